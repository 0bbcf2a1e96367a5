//! The request's ASN.1 structure, checked element by element against the PKCS#10 schema
//! (RFC 2986). x509-parser (asn1-rs) checks some tags loosely: an OBJECT IDENTIFIER is read
//! whatever its tag (`[APPLICATION 6]`, an ObjectDescriptor, …) where Go's encoding/asn1 refuses
//! the request. So before trusting x509-parser's reading, every element we rely on must carry
//! exactly its universal tag, primitive or constructed as the schema says.

use super::CsrRejected;
use x509_parser::asn1_rs::{Any, Class, FromDer, Tag};

type Walk<T> = Result<T, String>;

pub(super) fn check_strict_der(der: &[u8]) -> Result<(), CsrRejected> {
    certification_request(der).map_err(|found| CsrRejected::DerStrict { found })
}

/// Reads one element: universal `tag`, constructed exactly for SEQUENCE and SET.
fn expect<'a>(bytes: &'a [u8], tag: Tag, what: &str) -> Walk<(&'a [u8], Any<'a>)> {
    let (rest, any) = Any::from_der(bytes).map_err(|e| format!("a malformed {what} ({e})"))?;
    let h = &any.header;
    let constructed = tag == Tag::Sequence || tag == Tag::Set;
    if h.class() != Class::Universal || h.tag() != tag || h.is_constructed() != constructed {
        return Err(format!(
            "{what} tagged {:?} {}{} instead of universal {tag}",
            h.class(),
            h.tag().0,
            if h.is_constructed() {
                " constructed"
            } else {
                ""
            },
        ));
    }
    Ok((rest, any))
}

fn end(rest: &[u8], what: &str) -> Walk<()> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(format!("{} unexpected bytes after {what}", rest.len()))
    }
}

fn certification_request(der: &[u8]) -> Walk<()> {
    let (rest, cr) = expect(der, Tag::Sequence, "CertificationRequest")?;
    end(rest, "CertificationRequest")?;
    let (r, tbs) = expect(cr.data, Tag::Sequence, "CertificationRequestInfo")?;
    let (r, alg) = expect(r, Tag::Sequence, "signatureAlgorithm")?;
    algorithm_identifier(alg.data, "signatureAlgorithm")?;
    let (r, _) = expect(r, Tag::BitString, "signature")?;
    end(r, "signature")?;
    request_info(tbs.data)
}

fn request_info(bytes: &[u8]) -> Walk<()> {
    let (r, _) = expect(bytes, Tag::Integer, "version")?;
    let (r, subject) = expect(r, Tag::Sequence, "subject")?;
    name(subject.data)?;
    let (r, spki) = expect(r, Tag::Sequence, "subjectPKInfo")?;
    let (s, alg) = expect(spki.data, Tag::Sequence, "subjectPKInfo algorithm")?;
    algorithm_identifier(alg.data, "subjectPKInfo algorithm")?;
    let (s, _) = expect(s, Tag::BitString, "subjectPublicKey")?;
    end(s, "subjectPublicKey")?;
    let (r, attrs) = Any::from_der(r).map_err(|e| format!("malformed attributes ({e})"))?;
    let h = &attrs.header;
    if h.class() != Class::ContextSpecific || h.tag().0 != 0 || !h.is_constructed() {
        return Err(format!(
            "attributes tagged {:?} {} instead of [0]",
            h.class(),
            h.tag().0
        ));
    }
    end(r, "attributes")?;
    attributes(attrs.data)
}

/// `SEQUENCE OF SET OF SEQUENCE { OID, value }`; the value's own type is checked when read.
fn name(mut bytes: &[u8]) -> Walk<()> {
    while !bytes.is_empty() {
        let (rest, rdn) = expect(bytes, Tag::Set, "subject RDN")?;
        let mut atvs = rdn.data;
        while !atvs.is_empty() {
            let (more, atv) = expect(atvs, Tag::Sequence, "subject attribute")?;
            let (v, _) = expect(atv.data, Tag::Oid, "subject attribute type")?;
            let (v, value) =
                Any::from_der(v).map_err(|e| format!("a malformed subject value ({e})"))?;
            if value.header.class() != Class::Universal || value.header.is_constructed() {
                return Err("a subject value that is not a universal primitive".into());
            }
            end(v, "subject attribute value")?;
            atvs = more;
        }
        bytes = rest;
    }
    Ok(())
}

/// `SEQUENCE { OID, parameters }`: no parameters, NULL, or a named curve.
fn algorithm_identifier(bytes: &[u8], what: &str) -> Walk<()> {
    let (r, _) = expect(bytes, Tag::Oid, what)?;
    if r.is_empty() {
        return Ok(());
    }
    let (_, params) = Any::from_der(r).map_err(|e| format!("malformed {what} parameters ({e})"))?;
    let tag = params.header.tag();
    let (rest, _) = expect(
        r,
        if tag == Tag::Null {
            Tag::Null
        } else {
            Tag::Oid
        },
        what,
    )?;
    end(rest, what)
}

/// `SET OF SEQUENCE { OID, SET OF value }`; an extension request's value is
/// `SEQUENCE OF SEQUENCE { OID, BOOLEAN DEFAULT FALSE, OCTET STRING }`.
fn attributes(mut bytes: &[u8]) -> Walk<()> {
    const EXTENSION_REQUEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e];
    while !bytes.is_empty() {
        let (rest, attr) = expect(bytes, Tag::Sequence, "attribute")?;
        let (r, oid) = expect(attr.data, Tag::Oid, "attribute type")?;
        let (r, values) = expect(r, Tag::Set, "attribute values")?;
        end(r, "attribute")?;
        if oid.data == EXTENSION_REQUEST {
            let (r, exts) = expect(values.data, Tag::Sequence, "extension request")?;
            end(r, "extension request")?;
            let mut e = exts.data;
            while !e.is_empty() {
                let (more, ext) = expect(e, Tag::Sequence, "extension")?;
                let (x, _) = expect(ext.data, Tag::Oid, "extension id")?;
                let x = match Any::from_der(x) {
                    Ok((_, a)) if a.header.tag() == Tag::Boolean => {
                        expect(x, Tag::Boolean, "critical")?.0
                    }
                    _ => x,
                };
                let (x, _) = expect(x, Tag::OctetString, "extension value")?;
                end(x, "extension")?;
                e = more;
            }
        }
        bytes = rest;
    }
    Ok(())
}

//! The declarations of upstream's CEL environment, for the checker: the types, and the
//! overloads of every function that `ocm` v1.2.1 `helpers.NewEnv` registers (cel-go's standard
//! library, `OptionalTypes`, `ext.Strings`, the Kubernetes `Lists`, `Regex`, `URLs`,
//! `Quantity`, `IP`, `CIDR`, `Format` and `Semver` libraries, sdk-go's `ManagedClusterLib`
//! and `JsonLib`).

use std::fmt;

/// A CEL type as cel-go's checker names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ty {
    Dyn,
    Null,
    Bool,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Duration,
    Timestamp,
    Type,
    List(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
    Optional(Box<Ty>),
    /// A library's opaque type (`kubernetes.Quantity`, `net.IP`, …).
    Opaque(&'static str),
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Dyn => f.write_str("dyn"),
            Ty::Null => f.write_str("null"),
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Uint => f.write_str("uint"),
            Ty::Double => f.write_str("double"),
            Ty::String => f.write_str("string"),
            Ty::Bytes => f.write_str("bytes"),
            Ty::Duration => f.write_str("duration"),
            Ty::Timestamp => f.write_str("timestamp"),
            Ty::Type => f.write_str("type"),
            Ty::List(e) => write!(f, "list({e})"),
            Ty::Map(k, v) => write!(f, "map({k}, {v})"),
            Ty::Optional(e) => write!(f, "optional_type({e})"),
            Ty::Opaque(n) => f.write_str(n),
        }
    }
}

/// A parameter or result type of an overload; `A` and `B` are type parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) enum P {
    Dyn,
    Bool,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Duration,
    Timestamp,
    Type,
    A,
    B,
    List(&'static P),
    Map(&'static P, &'static P),
    Optional(&'static P),
    Opaque(&'static str),
}

/// One overload: `member` ones take their receiver as the first parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sig {
    pub member: bool,
    pub params: &'static [P],
    pub result: P,
}

const fn g(params: &'static [P], result: P) -> Sig {
    Sig {
        member: false,
        params,
        result,
    }
}

const fn m(params: &'static [P], result: P) -> Sig {
    Sig {
        member: true,
        params,
        result,
    }
}

use P::*;

const QUANTITY: P = Opaque("kubernetes.Quantity");
const SEMVER: P = Opaque("kubernetes.Semver");
const URL: P = Opaque("kubernetes.URL");
const IP: P = Opaque("net.IP");
const CIDR: P = Opaque("net.CIDR");
const FORMAT: P = Opaque("kubernetes.NamedFormat");
const LIST_A: P = List(&A);
const LIST_STRING: P = List(&String);
const MAP_AB: P = Map(&A, &B);

const fn same(t: P) -> [P; 2] {
    [t, t]
}

macro_rules! pairs {
    ($($t:expr),*) => { &[$(g(&same($t), Bool)),*] };
}

/// A `&'static [Sig]` from a list of overloads.
macro_rules! sigs {
    ($($s:expr),* $(,)?) => {{
        const S: &[Sig] = &[$($s),*];
        S
    }};
}

const COMPARE: &[Sig] = pairs!(Int, Uint, Double, String, Bytes, Bool, Timestamp, Duration);
const TIME_PART: &[Sig] = &[
    m(&[Timestamp], Int),
    m(&[Timestamp, String], Int),
    m(&[Duration], Int),
];
const NAMED_FORMAT: &[Sig] = &[g(&[], FORMAT)];

/// The overloads of a function; `None` for an undeclared one.
pub(crate) fn overloads(name: &str) -> Option<&'static [Sig]> {
    Some(match name {
        "_==_" | "_!=_" => sigs![g(&[A, A], Bool)],
        "_<_" | "_<=_" | "_>_" | "_>=_" => COMPARE,
        "_+_" => sigs![
            g(&same(Int), Int),
            g(&same(Uint), Uint),
            g(&same(Double), Double),
            g(&same(String), String),
            g(&same(Bytes), Bytes),
            g(&same(LIST_A), LIST_A),
            g(&[Timestamp, Duration], Timestamp),
            g(&[Duration, Timestamp], Timestamp),
            g(&same(Duration), Duration),
        ],
        "_-_" => sigs![
            g(&same(Int), Int),
            g(&same(Uint), Uint),
            g(&same(Double), Double),
            g(&same(Timestamp), Duration),
            g(&[Timestamp, Duration], Timestamp),
            g(&same(Duration), Duration),
        ],
        "_*_" | "_/_" => sigs![
            g(&same(Int), Int),
            g(&same(Uint), Uint),
            g(&same(Double), Double),
        ],
        "_%_" => sigs![g(&same(Int), Int), g(&same(Uint), Uint)],
        "-_" => sigs![g(&[Int], Int), g(&[Double], Double)],
        "!_" | "@not_strictly_false" => sigs![g(&[Bool], Bool)],
        "_?_:_" => sigs![g(&[Bool, A, A], A)],
        "_[_]" => sigs![g(&[LIST_A, Int], A), g(&[MAP_AB, A], B)],
        "@in" => sigs![g(&[A, LIST_A], Bool), g(&[A, MAP_AB], Bool)],
        "size" => sigs![
            g(&[String], Int),
            g(&[Bytes], Int),
            g(&[LIST_A], Int),
            g(&[MAP_AB], Int),
            m(&[String], Int),
            m(&[Bytes], Int),
            m(&[LIST_A], Int),
            m(&[MAP_AB], Int),
        ],
        "int" => sigs![
            g(&[Int], Int),
            g(&[Uint], Int),
            g(&[Double], Int),
            g(&[String], Int),
            g(&[Timestamp], Int),
            g(&[Duration], Int),
        ],
        "uint" => sigs![
            g(&[Uint], Uint),
            g(&[Int], Uint),
            g(&[Double], Uint),
            g(&[String], Uint),
        ],
        "double" => sigs![
            g(&[Double], Double),
            g(&[Int], Double),
            g(&[Uint], Double),
            g(&[String], Double),
        ],
        "string" => sigs![
            g(&[String], String),
            g(&[Int], String),
            g(&[Uint], String),
            g(&[Double], String),
            g(&[Bool], String),
            g(&[Bytes], String),
            g(&[Timestamp], String),
            g(&[Duration], String),
            g(&[IP], String),
            g(&[CIDR], String),
        ],
        "bytes" => sigs![g(&[Bytes], Bytes), g(&[String], Bytes)],
        "bool" => sigs![g(&[Bool], Bool), g(&[String], Bool)],
        "duration" => sigs![g(&[Duration], Duration), g(&[String], Duration)],
        "timestamp" => sigs![
            g(&[Timestamp], Timestamp),
            g(&[String], Timestamp),
            g(&[Int], Timestamp),
        ],
        "dyn" => sigs![g(&[A], Dyn)],
        "type" => sigs![g(&[A], Type)],
        "contains" | "startsWith" | "endsWith" => sigs![m(&same(String), Bool)],
        "matches" => sigs![g(&same(String), Bool), m(&same(String), Bool)],
        "getFullYear" | "getMonth" | "getDate" | "getDayOfMonth" | "getDayOfWeek"
        | "getDayOfYear" | "getHours" | "getMinutes" | "getSeconds" | "getMilliseconds" => {
            TIME_PART
        }
        // ext.Strings
        "charAt" => sigs![m(&[String, Int], String)],
        "indexOf" | "lastIndexOf" => sigs![
            m(&same(String), Int),
            m(&[String, String, Int], Int),
            m(&[LIST_A, A], Int),
        ],
        "lowerAscii" | "upperAscii" | "trim" | "reverse" => sigs![m(&[String], String)],
        "replace" => sigs![
            m(&[String, String, String], String),
            m(&[String, String, String, Int], String),
        ],
        "split" => sigs![
            m(&same(String), LIST_STRING),
            m(&[String, String, Int], LIST_STRING),
        ],
        "substring" => sigs![m(&[String, Int], String), m(&[String, Int, Int], String)],
        "join" => sigs![m(&[LIST_STRING], String), m(&[LIST_STRING, String], String)],
        "format" => sigs![m(&[String, List(&Dyn)], String)],
        "strings.quote" => sigs![g(&[String], String)],
        // Kubernetes lists and regex
        "isSorted" => sigs![m(&[LIST_A], Bool)],
        "sum" | "min" | "max" => sigs![m(&[LIST_A], A)],
        "find" => sigs![m(&same(String), String)],
        "findAll" => sigs![
            m(&same(String), LIST_STRING),
            m(&[String, String, Int], LIST_STRING),
        ],
        // URLs
        "url" => sigs![g(&[String], URL)],
        "isURL" | "isQuantity" | "isIP" | "isCIDR" | "ip.isCanonical" => sigs![g(&[String], Bool)],
        "getScheme" | "getHost" | "getHostname" | "getPort" | "getEscapedPath" => {
            sigs![m(&[URL], String)]
        }
        "getQuery" => sigs![m(&[URL], Map(&String, &LIST_STRING))],
        // Quantity and semver
        "quantity" => sigs![g(&[String], QUANTITY)],
        "sign" => sigs![m(&[QUANTITY], Int)],
        "isGreaterThan" | "isLessThan" => sigs![m(&same(QUANTITY), Bool), m(&same(SEMVER), Bool)],
        "compareTo" => sigs![m(&same(QUANTITY), Int), m(&same(SEMVER), Int)],
        "add" | "sub" => sigs![m(&same(QUANTITY), QUANTITY), m(&[QUANTITY, Int], QUANTITY)],
        "asInteger" => sigs![m(&[QUANTITY], Int)],
        "asApproximateFloat" => sigs![m(&[QUANTITY], Double)],
        "isInteger" => sigs![m(&[QUANTITY], Bool)],
        "semver" => sigs![g(&[String], SEMVER), g(&[String, Bool], SEMVER)],
        "isSemver" => sigs![g(&[String], Bool), g(&[String, Bool], Bool)],
        "major" | "minor" | "patch" => sigs![m(&[SEMVER], Int)],
        // IP and CIDR
        "ip" => sigs![g(&[String], IP), m(&[CIDR], IP)],
        "family" => sigs![m(&[IP], Int)],
        "isUnspecified"
        | "isLoopback"
        | "isLinkLocalMulticast"
        | "isLinkLocalUnicast"
        | "isGlobalUnicast" => sigs![m(&[IP], Bool)],
        "cidr" => sigs![g(&[String], CIDR)],
        "containsIP" => sigs![m(&[CIDR, IP], Bool), m(&[CIDR, String], Bool)],
        "containsCIDR" => sigs![m(&same(CIDR), Bool), m(&[CIDR, String], Bool)],
        "masked" => sigs![m(&[CIDR], CIDR)],
        "prefixLength" => sigs![m(&[CIDR], Int)],
        // Format
        "format.named" => sigs![g(&[String], Optional(&FORMAT))],
        "format.dns1123Label"
        | "format.dns1123Subdomain"
        | "format.dns1035Label"
        | "format.qualifiedName"
        | "format.dns1123LabelPrefix"
        | "format.dns1123SubdomainPrefix"
        | "format.dns1035LabelPrefix"
        | "format.labelValue"
        | "format.uri"
        | "format.uuid"
        | "format.byte"
        | "format.date"
        | "format.datetime" => NAMED_FORMAT,
        "validate" => sigs![m(&[FORMAT, String], Optional(&LIST_STRING))],
        // OptionalTypes
        "optional.of" | "optional.ofNonZeroValue" => sigs![g(&[A], Optional(&A))],
        "optional.none" => sigs![g(&[], Optional(&Dyn))],
        "hasValue" => sigs![m(&[Optional(&A)], Bool)],
        "value" => sigs![m(&[Optional(&A)], A)],
        "or" => sigs![m(&same(Optional(&A)), Optional(&A))],
        "orValue" => sigs![m(&[Optional(&A), A], A)],
        // sdk-go
        "parseJSON" => sigs![m(&[String], Dyn)],
        "scores" => sigs![m(&[Dyn, String], List(&Dyn))],
        _ => return None,
    })
}

/// Whether `prefix.name` names a qualified global function (`strings.quote`, …).
pub(crate) fn is_namespace(prefix: &str) -> bool {
    matches!(prefix, "strings" | "ip" | "format" | "optional")
}

/// Identifiers that name types (`type(x) == int`).
pub(crate) fn is_type_name(name: &str) -> bool {
    matches!(
        name,
        "int"
            | "uint"
            | "double"
            | "bool"
            | "string"
            | "bytes"
            | "list"
            | "map"
            | "null_type"
            | "type"
            | "dyn"
            | "google.protobuf.Duration"
            | "google.protobuf.Timestamp"
    )
}

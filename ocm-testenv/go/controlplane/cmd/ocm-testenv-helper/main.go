// Command ocm-testenv-helper does the two small jobs of ocm-testenv that need
// no Kubernetes code. It uses only the Go standard library.
//
//	ocm-testenv-helper pki DIR
//	ocm-testenv-helper watchdog
//
// "watchdog" reads lines from standard input: "pid N" registers the process
// group N (each child of ocm-testenv leads its own group); "stop" makes it exit
// quietly. When standard input reaches end-of-file without "stop" — the parent
// died without stopping its children, for example when a test process was
// killed — it sends SIGKILL to every registered group, so nothing is orphaned.
//
// "pki" writes (PEM; keys are ECDSA P-256 in PKCS#8 "PRIVATE KEY" blocks):
//
//	ca.crt, ca.key               the one CA: --client-ca-file of every apiserver,
//	                             and the kube-apiserver-client CSR signer of the hub
//	serving.crt, serving.key     serving cert for 127.0.0.1 / localhost / ::1
//	                             (every apiserver and the addon conversion webhook)
//	admin.crt, admin.key         client cert CN=ocm-testenv:admin, O=system:masters
//	bootstrap.crt, bootstrap.key client cert CN=ocm-testenv:bootstrap, O=system:masters
//	                             (the klusterlet bootstrap identity)
//	sa.key, sa.pub               service-account token signing key pair
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	switch {
	case len(os.Args) == 3 && os.Args[1] == "pki":
		if err := run(os.Args[2]); err != nil {
			fmt.Fprintf(os.Stderr, "ocm-testenv-helper: %v\n", err)
			os.Exit(1)
		}
	case len(os.Args) == 2 && os.Args[1] == "watchdog":
		watchdog()
	default:
		fmt.Fprintln(os.Stderr, "usage: ocm-testenv-helper pki DIR | ocm-testenv-helper watchdog")
		os.Exit(2)
	}
}

func watchdog() {
	var groups []int
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "stop" {
			return
		}
		if rest, ok := strings.CutPrefix(line, "pid "); ok {
			if pid, err := strconv.Atoi(rest); err == nil && pid > 1 {
				groups = append(groups, pid)
			}
		}
	}
	// The parent is gone and did not say "stop": kill what it left behind,
	// newest first.
	for i := len(groups) - 1; i >= 0; i-- {
		_ = syscall.Kill(-groups[i], syscall.SIGKILL)
	}
}

func run(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour)
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ocm-testenv-ca"},
		NotBefore:             now,
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	if err := writeCert(dir, "ca", caDER, caKey); err != nil {
		return err
	}
	serial := int64(2)
	issue := func(name string, subject pkix.Name, usage x509.ExtKeyUsage, ips []net.IP, dns []string) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      subject,
			NotBefore:    now,
			NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  ips,
			DNSNames:     dns,
		}
		serial++
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		return writeCert(dir, name, der, key)
	}
	if err := issue("serving", pkix.Name{CommonName: "ocm-testenv-serving"}, x509.ExtKeyUsageServerAuth,
		[]net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback}, []string{"localhost"}); err != nil {
		return err
	}
	if err := issue("admin", pkix.Name{CommonName: "ocm-testenv:admin", Organization: []string{"system:masters"}},
		x509.ExtKeyUsageClientAuth, nil, nil); err != nil {
		return err
	}
	if err := issue("bootstrap", pkix.Name{CommonName: "ocm-testenv:bootstrap", Organization: []string{"system:masters"}},
		x509.ExtKeyUsageClientAuth, nil, nil); err != nil {
		return err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	if err := writeKey(filepath.Join(dir, "sa.key"), saKey); err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600)
}

func writeCert(dir, name string, der []byte, key *ecdsa.PrivateKey) error {
	if err := os.WriteFile(filepath.Join(dir, name+".crt"),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return err
	}
	return writeKey(filepath.Join(dir, name+".key"), key)
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

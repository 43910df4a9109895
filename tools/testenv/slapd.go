package main

import (
	"context"
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
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

const ldapSuffix = "dc=kontor,dc=test"

func startSlapd(ctx context.Context, dir string) (int, map[string]string, error) {
	slapd, err := lookPath("slapd", "/usr/sbin")
	if err != nil {
		return 0, nil, err
	}
	slapadd, err := lookPath("slapadd", "/usr/sbin")
	if err != nil {
		return 0, nil, err
	}
	port, err := freePort()
	if err != nil {
		return 0, nil, err
	}
	tlsPort, err := freePort()
	if err != nil {
		return 0, nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
		return 0, nil, err
	}
	caFile, certFile, keyFile, err := writeTLS(dir)
	if err != nil {
		return 0, nil, fmt.Errorf("make TLS certificates: %w", err)
	}
	pw := secret()
	conf := fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile %[1]s/slapd.pid
argsfile %[1]s/slapd.args
TLSCACertificateFile %[2]s
TLSCertificateFile %[3]s
TLSCertificateKeyFile %[4]s
sizelimit 5000
database mdb
maxsize 104857600
suffix "%[5]s"
rootdn "cn=admin,%[5]s"
rootpw %[6]s
directory %[1]s/db
index objectClass eq
index uid eq
index member eq
`, dir, caFile, certFile, keyFile, ldapSuffix, pw)
	confFile := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		return 0, nil, err
	}
	base := fmt.Sprintf(`dn: %[1]s
objectClass: dcObject
objectClass: organization
dc: kontor
o: Kontor Test

dn: ou=people,%[1]s
objectClass: organizationalUnit
ou: people

dn: ou=groups,%[1]s
objectClass: organizationalUnit
ou: groups
`, ldapSuffix)
	ldif := filepath.Join(dir, "base.ldif")
	if err := os.WriteFile(ldif, []byte(base), 0o600); err != nil {
		return 0, nil, err
	}
	if out, err := exec.Command(slapadd, "-f", confFile, "-l", ldif).CombinedOutput(); err != nil {
		return 0, nil, fmt.Errorf("slapadd: %v\n%s", err, out)
	}
	ldapURL := "ldap://127.0.0.1:" + strconv.Itoa(port)
	ldapsURL := "ldaps://127.0.0.1:" + strconv.Itoa(tlsPort)
	cmd := exec.Command(slapd, "-d", "0", "-f", confFile, "-h", ldapURL+"/ "+ldapsURL+"/")
	logFile := filepath.Join(dir, "slapd.log")
	pid, err := background(cmd, logFile)
	if err != nil {
		return 0, nil, err
	}
	if err := waitTCP(ctx, "127.0.0.1:"+strconv.Itoa(port), logFile); err != nil {
		return pid, nil, err
	}
	if err := waitTCP(ctx, "127.0.0.1:"+strconv.Itoa(tlsPort), logFile); err != nil {
		return pid, nil, err
	}
	return pid, map[string]string{
		"KONTOR_TEST_LDAP_URL":            ldapURL,
		"KONTOR_TEST_LDAPS_URL":           ldapsURL,
		"KONTOR_TEST_LDAP_CA_FILE":        caFile,
		"KONTOR_TEST_LDAP_BASE_DN":        ldapSuffix,
		"KONTOR_TEST_LDAP_ADMIN_DN":       "cn=admin," + ldapSuffix,
		"KONTOR_TEST_LDAP_ADMIN_PASSWORD": pw,
	}, nil
}

// writeTLS makes a throwaway CA and a server certificate for 127.0.0.1
// and localhost, so the tests exercise LDAPS and StartTLS for real.
func writeTLS(dir string) (caFile, certFile, keyFile string, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", "", err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Kontor test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return "", "", "", err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return "", "", "", err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", "", err
	}
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for _, f := range []struct {
		path, typ string
		der       []byte
	}{{caFile, "CERTIFICATE", caDER}, {certFile, "CERTIFICATE", der}, {keyFile, "PRIVATE KEY", keyDER}} {
		if err := os.WriteFile(f.path, pem.EncodeToMemory(&pem.Block{Type: f.typ, Bytes: f.der}), 0o600); err != nil {
			return "", "", "", err
		}
	}
	return caFile, certFile, keyFile, nil
}

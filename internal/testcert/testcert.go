// Package testcert makes the self-signed client certificates that tests of
// the client-certificate and client-assertion credentials sign in with.
package testcert

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"testing"
	"time"
)

// Cert is a self-signed certificate with its RSA key (azidentity refuses
// ECDSA keys for client certificates).
type Cert struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
	// KeyDER is the key in PKCS #8 DER.
	KeyDER []byte
}

// New makes a certificate valid for an hour either side of now.
func New(t testing.TB, commonName string) *Cert {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: commonName},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return &Cert{Cert: cert, Key: key, KeyDER: kder}
}

// KeyPEM returns the key as a PEM "PRIVATE KEY" block.
func (c *Cert) KeyPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: c.KeyDER})
}

// WritePEM writes the certificate and then its key, as PEM, to path (mode
// 0600): the file AZURE_CLIENT_CERTIFICATE_PATH names.
func (c *Cert) WritePEM(t testing.TB, path string) {
	t.Helper()
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw}), c.KeyPEM()...)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

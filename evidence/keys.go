package evidence

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"

	"github.com/authgate/authgate/internal/atomicfile"
)

// Keygen writes a new Ed25519 key pair: prefix.key (PKCS #8 PEM, mode 0600)
// and prefix.pub (PKIX PEM). It refuses to overwrite either file.
func Keygen(prefix string) (privPath, pubPath string, err error) {
	privPath, pubPath = prefix+".key", prefix+".pub"
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Stat(p); err == nil {
			return "", "", fmt.Errorf("keygen: %s exists; remove it or choose another prefix", p)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("keygen: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", "", fmt.Errorf("keygen: %w", err)
	}
	pkix, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", "", fmt.Errorf("keygen: %w", err)
	}
	if err := atomicfile.Write(privPath, 0o600, func(w io.Writer) error {
		return pem.Encode(w, &pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	}); err != nil {
		return "", "", err
	}
	if err := atomicfile.Write(pubPath, 0o644, func(w io.Writer) error {
		return pem.Encode(w, &pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	}); err != nil {
		return "", "", err
	}
	return privPath, pubPath, nil
}

func readPEM(path, want string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != want {
		return nil, fmt.Errorf("%s: not a PEM %q block (make a key pair with authgate evidence keygen)", path, want)
	}
	return blk.Bytes, nil
}

// LoadPrivateKey reads an Ed25519 private key written by Keygen.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	der, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: not a PKCS #8 private key", path)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 key", path)
	}
	return priv, nil
}

// LoadPublicKey reads an Ed25519 public key written by Keygen.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	der, err := readPEM(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: not a PKIX public key", path)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 key", path)
	}
	return pub, nil
}

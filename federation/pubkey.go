package federation

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// minRSABits is the smallest RSA key accepted from a peer. Every current
// server generates 2048 bits or more, but a few old accounts still carry
// 1024-bit keys and refusing them would cut those actors off entirely.
const minRSABits = 1024

// ParsePublicKeyPEM reads an actor's publicKeyPem: SPKI ("PUBLIC KEY", what
// Mastodon and most servers publish) or PKCS#1 ("RSA PUBLIC KEY", what
// Mobilizon publishes). Only RSA is accepted: every verifier in the
// fediverse that matters checks RSA, and so do we.
func ParsePublicKeyPEM(pemText string) (*rsa.PublicKey, error) {
	// Some servers escape the newlines twice in JSON; pem.Decode needs real ones.
	if !strings.Contains(pemText, "\n") && strings.Contains(pemText, `\n`) {
		pemText = strings.ReplaceAll(pemText, `\n`, "\n")
	}
	block, _ := pem.Decode([]byte(strings.TrimSpace(pemText)))
	if block == nil {
		return nil, errors.New("public key: no PEM block")
	}
	var (
		pub *rsa.PublicKey
		err error
	)
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = parseSPKI(block.Bytes)
		if err != nil {
			// Mislabelled PKCS#1 content exists in the wild; try it before giving up.
			if k, err2 := x509.ParsePKCS1PublicKey(block.Bytes); err2 == nil {
				pub, err = k, nil
			}
		}
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			if k, err2 := parseSPKI(block.Bytes); err2 == nil {
				pub, err = k, nil
			}
		}
	default:
		return nil, fmt.Errorf("public key: PEM block type %q, want PUBLIC KEY or RSA PUBLIC KEY", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	if n := pub.N.BitLen(); n < minRSABits {
		return nil, fmt.Errorf("public key: RSA key of %d bits is too small (minimum %d)", n, minRSABits)
	}
	return pub, nil
}

func parseSPKI(der []byte) (*rsa.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("key type %T is not supported, only RSA", k)
	}
	return rk, nil
}

// MarshalPublicKeyPEM writes pub as an SPKI "PUBLIC KEY" PEM block, the
// form Mastodon publishes and every peer reads.
func MarshalPublicKeyPEM(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("marshal public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

package federation

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
)

func TestParsePublicKeyPEM(t *testing.T) {
	k := sigKey(0)
	edPub, _, _ := ed25519.GenerateKey(nil)
	edDER, _ := x509.MarshalPKIXPublicKey(edPub)
	small := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 511), E: 65537}
	small.N.Add(small.N, big.NewInt(1))
	spki := sigSPKI(t, k)

	tests := []struct {
		name, pem, wantErr string
	}{
		{"SPKI", spki, ""},
		{"PKCS#1 (Mobilizon)", sigPKCS1(k), ""},
		{"PKCS#1 content labelled PUBLIC KEY", strings.ReplaceAll(sigPKCS1(k), "RSA PUBLIC KEY", "PUBLIC KEY"), ""},
		{"newlines escaped twice", strings.ReplaceAll(spki, "\n", `\n`), ""},
		{"leading whitespace", "\n  " + spki, ""},
		{"Ed25519", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: edDER})), "only RSA"},
		{"512-bit RSA", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(small)})), "too small"},
		{"a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "PEM block type"},
		{"not PEM", "hello", "no PEM block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePublicKeyPEM(tt.pem)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(&k.PublicKey) {
				t.Error("parsed a different key")
			}
		})
	}
}

func TestDigests(t *testing.T) {
	body := []byte("{}")
	if got, want := DigestHeader(body), "SHA-256=RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o="; got != want {
		t.Errorf("DigestHeader = %q, want %q", got, want)
	}
	tests := []struct {
		name     string
		values   []string
		wantCode string
	}{
		{"matches", []string{DigestHeader(body)}, ""},
		{"lowercase algorithm, among others", []string{"sha-512=abc, sha-256=RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o="}, ""},
		{"other body", []string{DigestHeader([]byte("[]"))}, CodeBadDigest},
		{"not base64", []string{"SHA-256=???"}, CodeBadDigest},
		{"SHA-512 only", []string{"SHA-512=abc"}, CodeBadDigest},
		{"absent", nil, CodeMissingHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkDigest(tt.values, body)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || err.Code != tt.wantCode {
				t.Fatalf("got %v, want code %s", err, tt.wantCode)
			}
		})
	}
	if err := checkContentDigest([]string{"sha-512=:AAAA:, sha-256=:RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=:"}, body); err != nil {
		t.Errorf("Content-Digest: %v", err)
	}
	for _, bad := range []string{"sha-256=:AAAA:", "sha-256=abc", "sha-512=:AAAA:", "garbage("} {
		if err := checkContentDigest([]string{bad}, body); err == nil || err.Code != CodeBadDigest {
			t.Errorf("Content-Digest %q: got %v", bad, err)
		}
	}
}

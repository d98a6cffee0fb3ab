package content

import (
	"strings"
	"testing"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	hash, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not an argon2id PHC string with the expected parameters", hash)
	}
	if ok, err := CheckPassword(hash, "correct horse battery"); err != nil || !ok {
		t.Errorf("right password: ok=%v err=%v", ok, err)
	}
	if ok, err := CheckPassword(hash, "correct horse batterY"); err != nil || ok {
		t.Errorf("wrong password: ok=%v err=%v", ok, err)
	}
	other, _ := HashPassword("correct horse battery")
	if other == hash {
		t.Error("two hashes of one password are equal: salt not random")
	}
	if _, err := CheckPassword("$bcrypt$nope", "x"); err == nil {
		t.Error("malformed hash accepted")
	}
}

func TestValidatePassword(t *testing.T) {
	tests := map[string]string{
		"short":       "password.short",
		"aaaaaaaaaaa": "password.repeated",
		"éééééééééé":  "password.repeated",
		"wachtwoord1": "password.common",
		"ada-is-cool": "password.username",
		strings.Repeat("x", 100) + "y" + strings.Repeat("z", 200): "password.long",
		"correct horse battery":                                   "",
	}
	for pw, want := range tests {
		err := ValidatePassword(pw, "ada")
		e, _ := AsError(err)
		got := ""
		if e != nil {
			got = e.Code
		}
		if got != want {
			t.Errorf("ValidatePassword(%.20q) code = %q, want %q", pw, got, want)
		}
	}
}

func TestGeneratePasswordIsStrongAndRandom(t *testing.T) {
	a, b := GeneratePassword(), GeneratePassword()
	if a == b || len(a) != 20 {
		t.Fatalf("generated %q and %q", a, b)
	}
	if err := ValidatePassword(a, "ada"); err != nil {
		t.Errorf("generated password fails validation: %v", err)
	}
}

func TestKeyPairRoundTrip(t *testing.T) {
	kp, err := GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(kp.PublicPEM, "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("public key is not SPKI PEM: %.40q", kp.PublicPEM)
	}
	key, err := ParsePrivateKey(kp.PrivatePEM)
	if err != nil {
		t.Fatal(err)
	}
	if key.N.BitLen() != KeyBits {
		t.Errorf("key has %d bits, want %d", key.N.BitLen(), KeyBits)
	}
}

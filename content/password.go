package content

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's second recommended set (19 MiB, 2 passes),
// which keeps a login under ~50 ms on a small VM while staying memory-hard.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MinPasswordLen is the shortest password accepted (NIST SP 800-63B asks
// for at least 8; public-sector accounts get a little more).
const MinPasswordLen = 10

// MaxPasswordLen bounds the work an attacker can make the hasher do.
const MaxPasswordLen = 256

var commonPasswords = map[string]bool{
	"password": true, "password1": true, "password123": true, "wachtwoord": true,
	"wachtwoord1": true, "wachtwoord123": true, "1234567890": true, "0123456789": true,
	"qwertyuiop": true, "azertyuiop": true, "welkom123": true, "welkom1234": true,
	"letmein123": true, "iloveyou12": true, "abcdefghij": true, "changeme123": true,
	"administrator": true, "passw0rd123": true, "qwerty1234": true, "1q2w3e4r5t": true,
}

// ValidatePassword refuses passwords that are too short, too long, the
// username, a single repeated character or a well-known password.
func ValidatePassword(password, username string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return Errorf(KindInvalid, "password", "password.short", "password is too weak: use at least %d characters", MinPasswordLen)
	case len(password) > MaxPasswordLen:
		return Errorf(KindInvalid, "password", "password.long", "password is longer than %d bytes", MaxPasswordLen)
	// Very short usernames would turn up inside random passwords by chance.
	case len(username) >= 3 && strings.Contains(strings.ToLower(password), strings.ToLower(username)):
		return Errorf(KindInvalid, "password", "password.username", "password is too weak: it contains the username")
	case repeatsOneRune(password):
		return Errorf(KindInvalid, "password", "password.repeated", "password is too weak: it repeats one character")
	case commonPasswords[strings.ToLower(password)]:
		return Errorf(KindInvalid, "password", "password.common", "password is too weak: it is a well-known password")
	}
	return nil
}

func repeatsOneRune(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	return strings.Count(s, string(first)) == utf8.RuneCountInString(s)
}

// HashPassword hashes a password with argon2id into a PHC string.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a hash made by
// HashPassword. The parameters come from the hash, so raising them later
// keeps old hashes valid.
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("password hash: not an argon2id PHC string")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("password hash: unsupported version %q", parts[2])
	}
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false, fmt.Errorf("password hash: parameters %q: %w", parts[3], err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password hash: salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("password hash: key: %w", err)
	}
	if len(password) > MaxPasswordLen {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// GeneratePassword returns a random password of 20 characters from an
// alphabet without look-alikes, for first logins and resets.
func GeneratePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	return randomFrom(alphabet, 20)
}

func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	buf := make([]byte, n*2)
	for i := 0; i < n; {
		if _, err := rand.Read(buf); err != nil {
			panic(fmt.Sprintf("crypto/rand: %v", err)) // rand.Read never fails on supported platforms
		}
		for _, c := range buf {
			// Reject bytes past the largest multiple of len(alphabet) to keep
			// the choice uniform.
			if int(c) >= 256-256%len(alphabet) {
				continue
			}
			b[i] = alphabet[int(c)%len(alphabet)]
			i++
			if i == n {
				break
			}
		}
	}
	return string(b)
}

// NewToken returns a random URL-safe token with 256 bits of entropy, for
// sessions and CSRF.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

package fedtest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"kring/federation"
)

// Cavage is a draft-cavage signature built by hand, so that tests can send
// the signatures federation.Signer never makes: other header lists, hs2019
// with (created), a Date from another time.
type Cavage struct {
	KeyID     string
	Key       *rsa.PrivateKey
	Algorithm string    // written as is; "" means rsa-sha256
	Headers   []string  // signed, in this order, e.g. "(request-target)", "(created)", "host", "date", "digest"
	Time      time.Time // the Date header and created parameter; zero means now
}

// Sign sets Host, and Date and Digest when they are signed, then the
// Signature header. Content-Type must already be set when it is signed.
func (c Cavage) Sign(req *http.Request, body []byte) error {
	at := c.Time
	if at.IsZero() {
		at = time.Now()
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	req.Host = host
	req.Header["Host"] = []string{host}
	alg := c.Algorithm
	if alg == "" {
		alg = "rsa-sha256"
	}
	var lines []string
	for _, h := range c.Headers {
		var v string
		switch h {
		case "(request-target)":
			v = strings.ToLower(req.Method) + " " + req.URL.RequestURI()
		case "(created)":
			v = strconv.FormatInt(at.Unix(), 10)
		case "date":
			req.Header.Set("Date", at.UTC().Format(http.TimeFormat))
			v = req.Header.Get("Date")
		case "digest":
			req.Header.Set("Digest", federation.DigestHeader(body))
			v = req.Header.Get("Digest")
		default:
			v = strings.Join(req.Header.Values(h), ", ")
		}
		lines = append(lines, h+": "+v)
	}
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.Key, crypto.SHA256, sum[:])
	if err != nil {
		return err
	}
	params := fmt.Sprintf(`keyId="%s",algorithm="%s",`, c.KeyID, alg)
	for _, h := range c.Headers {
		if h == "(created)" {
			params += fmt.Sprintf("created=%d,", at.Unix())
		}
	}
	params += fmt.Sprintf(`headers="%s",signature="%s"`, strings.Join(c.Headers, " "), base64.StdEncoding.EncodeToString(sig))
	req.Header.Set("Signature", params)
	return nil
}

// Answer is an HTTP answer: its status and the "error" of a JSON body.
type Answer struct {
	Status int
	Error  string
	Body   string
}

// Post sends body to url as application/activity+json, signed by sign
// (nil: unsigned), and returns the answer.
func Post(t testing.TB, url string, body []byte, sign func(*http.Request, []byte) error) Answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if sign != nil {
		if err := sign(req, body); err != nil {
			t.Fatalf("sign POST %s: %v", url, err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := Answer{Status: resp.StatusCode, Body: string(b)}
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil {
		a.Error = e.Error
	}
	return a
}

package secret

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		got := Redact(in)
		if got != want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", in, got, want)
		}
		if again := Redact(got); again != got {
			t.Errorf("Redact is not idempotent on %q: %q", got, again)
		}
	}
	// Nothing to redact.
	f("", "")
	f("source run failed", "source run failed")
	f("bill.csv:1207: column \"lineItem/UnblendedCost\": \"12,5\" is not a decimal number",
		"bill.csv:1207: column \"lineItem/UnblendedCost\": \"12,5\" is not a decimal number")
	f("mirror s3://bucket/cur/prefix/: source location not found", "mirror s3://bucket/cur/prefix/: source location not found")
	f("local path /data/a?b.csv", "local path /data/a?b.csv") // '?' is a file name byte, not a query
	f("access_key_id=AKIAEXAMPLE region=us-east-1", "access_key_id=AKIAEXAMPLE region=us-east-1")
	f("invalid token.", "invalid token.")

	// URL query strings and user info; the path stays.
	f(`azure list: Get "https://acct.blob.core.windows.net/exports?comp=list&restype=container&sig=abc%2Bdef%3D&sv=2022-11-02": dial tcp: no such host`,
		`azure list: Get "https://acct.blob.core.windows.net/exports?[REDACTED]": dial tcp: no such host`)
	f("https://acct.blob.core.windows.net/c/p?sv=1&sig=x", "https://acct.blob.core.windows.net/c/p?[REDACTED]")
	f("see (https://h/p?sig=abc).", "see (https://h/p?[REDACTED]).")
	f("HTTP://H/P#frag", "HTTP://H/P#[REDACTED]")
	f("s3://bucket/k?X-Amz-Signature=1 and gs://b/o?x=1 azblob://c/p?y=2 http://127.0.0.1:1/devstoreaccount1/c?sig=z",
		"s3://bucket/k?[REDACTED] and gs://b/o?[REDACTED] azblob://c/p?[REDACTED] http://127.0.0.1:1/devstoreaccount1/c?[REDACTED]")
	f("https://user:pa55@host/path", "https://[REDACTED]@host/path")
	f("ends with ? https://h/p?", "ends with ? https://h/p?")
	f(`err="Get \"https://h/p?sig=a\": refused"`, `err="Get \"https://h/p?[REDACTED]`+"\\\""+`: refused"`)

	// Credential fields, in the shapes configs, errors and dumps take.
	f(`{"url":"azblob://c/p","sas_token":"sv=2022&sig=abc","account_name":"acct"}`,
		`{"url":"azblob://c/p","sas_token":"[REDACTED]","account_name":"acct"}`)
	f(`"account_key": "a2V5a2V5a2V5"`, `"account_key": "[REDACTED]"`)
	f("secret_access_key=wJalrXUtnFEMI/K7MDENG session_token=FQoG region=us-east-1",
		"secret_access_key=[REDACTED] session_token=[REDACTED] region=us-east-1")
	f("AWS_SECRET_ACCESS_KEY=abc aws_session_token: 'tok'", "AWS_SECRET_ACCESS_KEY=[REDACTED] aws_session_token: '[REDACTED]'")
	f("{SecretAccessKey:abc SASToken:def AccountName:acct}", "{SecretAccessKey:[REDACTED] SASToken:[REDACTED] AccountName:acct}")
	f("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5+/==;EndpointSuffix=core.windows.net",
		"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=[REDACTED];EndpointSuffix=core.windows.net")
	f("BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&sig=abc%3D",
		"BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=[REDACTED]")
	f(`connection_string="DefaultEndpointsProtocol=https;AccountKey=xyz"`, `connection_string="[REDACTED]"`)
	f(`credentials_json='{"type":"service_account"}'`, `credentials_json='[REDACTED]'`)
	f(`{"type":"service_account","private_key_id":"abc123","private_key":"-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----\n","client_email":"x@y.iam.gserviceaccount.com"}`,
		`{"type":"service_account","private_key_id":"abc123","private_key":"[REDACTED]","client_email":"x@y.iam.gserviceaccount.com"}`)
	f(`{"client_secret": "s3cr3t", "refresh_token": "1//0g"}`, `{"client_secret": "[REDACTED]", "refresh_token": "[REDACTED]"}`)
	f("password=hunter2 x-amz-security-token=IQoJ", "password=[REDACTED] x-amz-security-token=[REDACTED]")
	f("sig=abc&se=2030", "sig=[REDACTED]")

	// Headers, PEM blocks and Tally API keys.
	f("Authorization: Bearer tly_0123456789ab_"+strings.Repeat("f", 64), "Authorization: Bearer [REDACTED]")
	f("authorization=SharedKey acct:c2lnbmF0dXJl", "authorization=SharedKey [REDACTED]")
	f("key tly_0123456789ab_"+strings.Repeat("0", 64)+" rejected", "key tly_0123456789ab_[REDACTED] rejected")
	f("-----BEGIN RSA PRIVATE KEY-----\nMIIE\nabc\n-----END RSA PRIVATE KEY----- after", "[REDACTED] after")
	f("truncated -----BEGIN PRIVATE KEY-----\nMIIE", "truncated [REDACTED]")
}

func TestRedactorLiterals(t *testing.T) {
	r := NewRedactor("short", "TOPSECRET/sig+value=")
	f := func(in, want string) {
		t.Helper()
		if got := r.String(in); got != want {
			t.Errorf("String(%q)\n got %q\nwant %q", in, got, want)
		}
	}
	f("short stays", "short stays") // shorter than 8 bytes: would blank out words
	f("echoed TOPSECRET/sig+value= by an SDK", "echoed [REDACTED] by an SDK")
	f("escaped TOPSECRET%2Fsig%2Bvalue%3D in a query", "escaped [REDACTED] in a query")
	f("path TOPSECRET%2Fsig+value= in a path", "path [REDACTED] in a path")
	r.Add("a-later-secret", "TOPSECRET/sig") // a value inside another: the longer one goes whole
	f("a-later-secret and TOPSECRET/sig+value=", "[REDACTED] and [REDACTED]")
	f("TOPSECRET/sig alone", "[REDACTED] alone")
	var none *Redactor
	if got := none.String("https://h/p?sig=1"); got != "https://h/p?[REDACTED]" {
		t.Errorf("nil Redactor: %q", got)
	}
	if none.Error(nil) != "" {
		t.Error("Error(nil) is not empty")
	}
}

func FuzzRedact(f *testing.F) {
	f.Add(`Get "https://acct.blob.core.windows.net/c?sig=abc": refused`)
	f.Add(`{"sas_token":"x\"y","account_key":'z'}`)
	f.Add("-----BEGIN PRIVATE KEY-----")
	f.Fuzz(func(t *testing.T, s string) {
		once := Redact(s)
		if twice := Redact(once); twice != once {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, once, twice)
		}
	})
}

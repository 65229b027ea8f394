package source

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url  string
		want location
	}{
		{"/var/bills", location{kind: KindLocal, path: "/var/bills"}},
		{"bills/aws", location{kind: KindLocal, path: filepath.Join(cwd, "bills/aws")}},
		{"file:///var/bills/", location{kind: KindLocal, path: "/var/bills"}},
		{"file://localhost/var/bills", location{kind: KindLocal, path: "/var/bills"}},
		{"s3://my-bucket", location{kind: KindS3, bucket: "my-bucket"}},
		{"s3://my-bucket/", location{kind: KindS3, bucket: "my-bucket"}},
		{"s3://my.bucket/cur/report", location{kind: KindS3, bucket: "my.bucket", prefix: "cur/report/"}},
		{"s3://my-bucket/cur/report/", location{kind: KindS3, bucket: "my-bucket", prefix: "cur/report/"}},
		{"gs://billing-export/gcp", location{kind: KindGCS, bucket: "billing-export", prefix: "gcp/"}},
		{"azblob://exports/daily/focus", location{kind: KindAzure, bucket: "exports", prefix: "daily/focus/"}},
		{"https://acme.blob.core.windows.net/exports/daily", location{kind: KindAzure, bucket: "exports",
			prefix: "daily/", account: "acme", serviceURL: "https://acme.blob.core.windows.net/"}},
		{"https://acme.blob.core.windows.net/exports?sv=2022&sig=abc", location{kind: KindAzure, bucket: "exports",
			account: "acme", serviceURL: "https://acme.blob.core.windows.net/", sas: "sv=2022&sig=abc"}},
		{"https://acme.blob.core.chinacloudapi.cn/exports/x", location{kind: KindAzure, bucket: "exports",
			prefix: "x/", account: "acme", serviceURL: "https://acme.blob.core.chinacloudapi.cn/"}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := parseURL(tt.url)
			if err != nil {
				t.Fatalf("parseURL: %v", err)
			}
			if got != tt.want {
				t.Fatalf("parseURL = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.json")
	if err := os.WriteFile(keyFile, []byte(`{"type":"service_account"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	const key = "c2VjcmV0LWtleQ==" // base64
	tests := []struct {
		name string
		c    Config
		ok   bool
	}{
		{"local path", Config{URL: "/data/bills"}, true},
		{"s3 default chain", Config{URL: "s3://b1/p"}, true},
		{"s3 static keys", Config{URL: "s3://b1/p", AccessKeyID: "AK", SecretAccessKey: "SK", SessionToken: "T", Region: "eu-west-1"}, true},
		{"s3 with endpoint", Config{URL: "s3://b1/p", Endpoint: "http://127.0.0.1:9000"}, true},
		{"azure account key", Config{URL: "azblob://c01/p", AccountName: "acme", AccountKey: key}, true},
		{"azure default credential", Config{URL: "azblob://c01/p", AccountName: "acme"}, true},
		{"azure emulator endpoint", Config{URL: "azblob://c01/p", Endpoint: "http://127.0.0.1:10000/devstoreaccount1", AccountKey: key}, true},
		{"azure connection string", Config{URL: "azblob://c01/p", ConnectionString: "AccountName=a;AccountKey=" + key}, true},
		{"azure https with sas", Config{URL: "https://acme.blob.core.windows.net/c01/p?sv=1&sig=2"}, true},
		{"azure https with sas field", Config{URL: "https://acme.blob.core.windows.net/c01/p", SASToken: "sv=1&sig=2"}, true},
		{"gcs default", Config{URL: "gs://bkt/p"}, true},
		{"gcs credentials file", Config{URL: "gs://bkt/p", CredentialsFile: keyFile}, true},
		{"gcs credentials json", Config{URL: "gs://bkt/p", CredentialsJSON: `{"type":"authorized_user"}`}, true},

		{"empty url", Config{}, false},
		{"unknown scheme", Config{URL: "ftp://host/x"}, false},
		{"s3 without bucket", Config{URL: "s3:///x"}, false},
		{"s3 bucket with space", Config{URL: "s3://my bucket/x"}, false},
		{"s3 user info", Config{URL: "s3://key:secret@bucket/x"}, false},
		{"s3 dot-dot prefix", Config{URL: "s3://bucket/a/../b"}, false},
		{"s3 secret without key id", Config{URL: "s3://bucket", SecretAccessKey: "SK"}, false},
		{"s3 key id without secret", Config{URL: "s3://bucket", AccessKeyID: "AK"}, false},
		{"s3 session token alone", Config{URL: "s3://bucket", SessionToken: "T"}, false},
		{"s3 with azure key", Config{URL: "s3://bucket", AccountKey: key}, false},
		{"local with endpoint", Config{URL: "/data", Endpoint: "http://127.0.0.1:1"}, false},
		{"file URL with host", Config{URL: "file://server/share"}, false},
		{"endpoint not http", Config{URL: "s3://bucket", Endpoint: "127.0.0.1:9000"}, false},
		{"endpoint with user info", Config{URL: "s3://bucket", Endpoint: "http://u:p@127.0.0.1:9000"}, false},
		{"azure upper-case container", Config{URL: "azblob://Exports/p", AccountName: "acme"}, false},
		{"azure without account", Config{URL: "azblob://c01/p"}, false},
		{"azure key not base64", Config{URL: "azblob://c01/p", AccountName: "acme", AccountKey: "not base64!"}, false},
		{"azure two credentials", Config{URL: "azblob://c01/p", AccountName: "acme", AccountKey: key, SASToken: "sig=1"}, false},
		{"azure connection string and account", Config{URL: "azblob://c01/p", AccountName: "acme", ConnectionString: "AccountName=a"}, false},
		{"azure https other host", Config{URL: "https://example.com/c01/p"}, false},
		{"azure https plain http", Config{URL: "http://acme.blob.core.windows.net/c01/p"}, false},
		{"azure https and endpoint", Config{URL: "https://acme.blob.core.windows.net/c01/p", Endpoint: "http://127.0.0.1:1"}, false},
		{"azure account mismatch", Config{URL: "https://acme.blob.core.windows.net/c01/p", AccountName: "other"}, false},
		{"gcs file and json", Config{URL: "gs://bkt", CredentialsFile: keyFile, CredentialsJSON: "{}"}, false},
		{"gcs json not json", Config{URL: "gs://bkt", CredentialsJSON: "-----BEGIN PRIVATE KEY-----"}, false},
		{"gcs external account", Config{URL: "gs://bkt", CredentialsJSON: `{"type":"external_account"}`}, false},
		{"gcs missing file", Config{URL: "gs://bkt", CredentialsFile: filepath.Join(dir, "none.json")}, false},
		{"gcs with s3 keys", Config{URL: "gs://bkt", AccessKeyID: "AK", SecretAccessKey: "SK"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.ok && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want ErrInvalidConfig", err)
			}
			if !tt.ok {
				// Check and Open must refuse the same configs, without I/O.
				if err := Check(context.Background(), tt.c); !errors.Is(err, ErrInvalidConfig) {
					t.Fatalf("Check() = %v, want ErrInvalidConfig", err)
				}
			}
		})
	}
}

// TestSanitizedHidesEachSecret sets one secret field at a time to a
// recognisable value and looks for it anywhere in Sanitized, in Open's
// String and in Validate's error.
func TestSanitizedHidesEachSecret(t *testing.T) {
	const secret = "U0VDUkVUU0VDUkVUU0VDUkVU" // base64, so Validate gets past format checks
	tests := []struct {
		field string
		c     Config
	}{
		{"SecretAccessKey", Config{URL: "s3://b1/p", AccessKeyID: "AKID", SecretAccessKey: secret}},
		{"SessionToken", Config{URL: "s3://b1/p", AccessKeyID: "AKID", SecretAccessKey: "x", SessionToken: secret}},
		{"AccountKey", Config{URL: "azblob://c01/p", AccountName: "acme", AccountKey: secret}},
		{"ConnectionString", Config{URL: "azblob://c01/p", ConnectionString: "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=" + secret + ";EndpointSuffix=core.windows.net"}},
		{"SASToken", Config{URL: "azblob://c01/p", AccountName: "acme", SASToken: "sv=2022&sig=" + secret}},
		{"SAS in URL", Config{URL: "https://acme.blob.core.windows.net/c01/p?sv=2022&sig=" + secret}},
		{"CredentialsJSON", Config{URL: "gs://bkt/p", CredentialsJSON: `{"type":"service_account","private_key":"` + secret + `"}`}},
		{"Endpoint user info", Config{URL: "s3://b1/p", Endpoint: "http://user:" + secret + "@127.0.0.1:9"}},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			s := tt.c.Sanitized()
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), secret) {
				t.Fatalf("Sanitized() = %s contains the secret", b)
			}
			if s["url"] == "" || s["auth"] == "" {
				t.Fatalf("Sanitized() = %v lost url or auth", s)
			}
			if err := tt.c.Validate(); err != nil {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("Validate() error contains the secret: %v", err)
				}
				return
			}
			if tt.c.Kind() == KindGCS {
				return // Open would look for real Google credentials
			}
			src, err := Open(context.Background(), tt.c)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if strings.Contains(src.String(), secret) {
				t.Fatalf("String() = %q contains the secret", src.String())
			}
		})
	}
}

func TestSanitizedKeepsLocation(t *testing.T) {
	c := Config{URL: "s3://bills/cur", Endpoint: "http://minio:9000", Region: "eu-west-1",
		AccessKeyID: "AKID", SecretAccessKey: "secret"}
	want := map[string]string{"url": "s3://bills/cur", "kind": "s3", "endpoint": "http://minio:9000",
		"region": "eu-west-1", "auth": "static keys"}
	if got := c.Sanitized(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Sanitized() = %v, want %v", got, want)
	}
}

func TestConfigJSON(t *testing.T) {
	in := Config{URL: "s3://b/p", Endpoint: "http://e", Region: "r", AccessKeyID: "a", SecretAccessKey: "s",
		SessionToken: "t", AccountName: "n", AccountKey: "k", ConnectionString: "c", SASToken: "sas",
		CredentialsFile: "f", CredentialsJSON: "{}"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"url", "endpoint", "region", "access_key_id", "secret_access_key", "session_token",
		"account_name", "account_key", "connection_string", "sas_token", "credentials_file", "credentials_json"} {
		if !strings.Contains(string(b), `"`+k+`":`) {
			t.Errorf("JSON %s lacks %q", b, k)
		}
	}
	var out Config
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("round trip = %+v, want %+v", out, in)
	}
	if b, _ := json.Marshal(Config{URL: "/x"}); string(b) != `{"url":"/x"}` {
		t.Fatalf("empty fields are not omitted: %s", b)
	}
}

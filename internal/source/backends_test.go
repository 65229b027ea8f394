package source

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"google.golang.org/api/option"
)

// testPrefix is where every fixture's source points inside its bucket;
// putRaw writes around it to check prefix boundaries.
const testPrefix = "tally/exports"

// fixture is one empty bucket (or directory) of one backend, with the
// means to change it behind the Source's back.
type fixture interface {
	// config points at <bucket>/tally/exports with working credentials.
	config() Config
	// put writes an object under the prefix; putRaw anywhere in the bucket.
	put(t *testing.T, key string, data []byte)
	putRaw(t *testing.T, fullKey string, data []byte)
	remove(t *testing.T, key string)
	// missing points at a bucket that does not exist.
	missing() Config
	// wrongCredentials is a config the service must refuse ("" reason
	// when the backend has no credentials to get wrong).
	wrongCredentials(t *testing.T) (Config, string)
	// unreachable points at a closed port.
	unreachable(t *testing.T) (Config, string)
	// secrets are the secret values in config(), for Sanitized checks.
	secrets() []string
}

type backend struct {
	name  string
	setup func(t *testing.T) fixture
}

var backends = []backend{
	{"local", newLocalFixture},
	{"s3", newS3Fixture},
	{"azure", newAzureFixture},
	{"gcs", newGCSFixture},
}

var bucketSeq atomic.Int64

// bucketName is unique per test run and valid for every backend.
func bucketName() string {
	return fmt.Sprintf("tally-%d-%d", time.Now().UnixNano()%1e9, bucketSeq.Add(1))
}

// closedPort returns a loopback address that refuses connections.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// ---- local ----

type localFixture struct{ dir string }

func newLocalFixture(t *testing.T) fixture {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(testPrefix)), 0o755); err != nil {
		t.Fatal(err)
	}
	return &localFixture{dir: dir}
}

func (f *localFixture) config() Config {
	return Config{URL: "file://" + filepath.ToSlash(filepath.Join(f.dir, testPrefix))}
}

func (f *localFixture) put(t *testing.T, key string, data []byte) {
	f.putRaw(t, testPrefix+"/"+key, data)
}

func (f *localFixture) putRaw(t *testing.T, fullKey string, data []byte) {
	t.Helper()
	p := filepath.Join(f.dir, filepath.FromSlash(fullKey))
	if strings.HasSuffix(fullKey, "/") {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// Local sources have no ETag: a rewrite must show in the mtime even
	// on file systems with coarse timestamps.
	mt := time.Now().Add(time.Duration(bucketSeq.Add(1)) * time.Second)
	if err := os.Chtimes(p, mt, mt); err != nil {
		t.Fatal(err)
	}
}

func (f *localFixture) remove(t *testing.T, key string) {
	t.Helper()
	if err := os.Remove(filepath.Join(f.dir, filepath.FromSlash(testPrefix+"/"+key))); err != nil {
		t.Fatal(err)
	}
}

func (f *localFixture) missing() Config {
	return Config{URL: filepath.Join(f.dir, "no-such-dir")}
}

func (f *localFixture) wrongCredentials(*testing.T) (Config, string) {
	return Config{}, "local directories have no credentials"
}

func (f *localFixture) unreachable(*testing.T) (Config, string) {
	return Config{}, "local directories have no endpoint"
}

func (f *localFixture) secrets() []string { return nil }

// ---- S3 (VersityGW) ----

// s3Credentials are the emulator's root keys: scripts/emulators.sh
// starts VersityGW with these (and writes them to its env file).
func s3Credentials() (key, secret string) {
	key, secret = os.Getenv("TALLY_TEST_S3_ACCESS_KEY_ID"), os.Getenv("TALLY_TEST_S3_SECRET_ACCESS_KEY")
	if key == "" || secret == "" {
		key, secret = "tallytest", "tallytestsecret"
	}
	return key, secret
}

type s3Fixture struct {
	endpoint, bucket, key, secret string
	client                        *s3.Client
}

func newS3Fixture(t *testing.T) fixture {
	endpoint := emulator(t, "TALLY_TEST_S3_ENDPOINT")
	key, secret := s3Credentials()
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
	})
	f := &s3Fixture{endpoint: endpoint, bucket: bucketName(), client: client, key: key, secret: secret}
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &f.bucket}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return f
}

func (f *s3Fixture) config() Config {
	return Config{URL: "s3://" + f.bucket + "/" + testPrefix, Endpoint: f.endpoint, Region: "us-east-1",
		AccessKeyID: f.key, SecretAccessKey: f.secret}
}

func (f *s3Fixture) put(t *testing.T, key string, data []byte) {
	f.putRaw(t, testPrefix+"/"+key, data)
}

func (f *s3Fixture) putRaw(t *testing.T, fullKey string, data []byte) {
	t.Helper()
	_, err := f.client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: &f.bucket, Key: &fullKey, Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("put %s: %v", fullKey, err)
	}
}

func (f *s3Fixture) remove(t *testing.T, key string) {
	t.Helper()
	full := testPrefix + "/" + key
	if _, err := f.client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &f.bucket, Key: &full}); err != nil {
		t.Fatalf("delete %s: %v", key, err)
	}
}

func (f *s3Fixture) missing() Config {
	c := f.config()
	c.URL = "s3://no-such-bucket-" + bucketName() + "/x"
	return c
}

// wrongCredentials keeps the right key ID and changes the secret: only a
// server that verifies SigV4 signatures refuses it.
func (f *s3Fixture) wrongCredentials(*testing.T) (Config, string) {
	c := f.config()
	c.SecretAccessKey = "wrong-secret-value"
	return c, ""
}

func (f *s3Fixture) unreachable(t *testing.T) (Config, string) {
	c := f.config()
	c.Endpoint = closedPort(t)
	return c, ""
}

func (f *s3Fixture) secrets() []string { return []string{f.secret} }

// ---- Azure (Azurite) ----

// Azurite's well-known development account.
const (
	azuriteAccount = "devstoreaccount1"
	azuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

type azureFixture struct {
	endpoint, container string
	client              *container.Client
}

func newAzureFixture(t *testing.T) fixture {
	endpoint := emulator(t, "TALLY_TEST_AZURITE_ENDPOINT")
	f := &azureFixture{endpoint: strings.TrimSuffix(endpoint, "/"), container: bucketName()}
	cred, err := container.NewSharedKeyCredential(azuriteAccount, azuriteKey)
	if err != nil {
		t.Fatal(err)
	}
	f.client, err = container.NewClientWithSharedKeyCredential(f.endpoint+"/"+f.container, cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.Create(context.Background(), nil); err != nil {
		t.Fatalf("create container: %v", err)
	}
	return f
}

func (f *azureFixture) config() Config {
	return Config{URL: "azblob://" + f.container + "/" + testPrefix, Endpoint: f.endpoint,
		AccountName: azuriteAccount, AccountKey: azuriteKey}
}

func (f *azureFixture) put(t *testing.T, key string, data []byte) {
	f.putRaw(t, testPrefix+"/"+key, data)
}

func (f *azureFixture) putRaw(t *testing.T, fullKey string, data []byte) {
	t.Helper()
	if _, err := f.client.NewBlockBlobClient(fullKey).UploadBuffer(context.Background(), data, nil); err != nil {
		t.Fatalf("upload %s: %v", fullKey, err)
	}
}

func (f *azureFixture) remove(t *testing.T, key string) {
	t.Helper()
	if _, err := f.client.NewBlobClient(testPrefix+"/"+key).Delete(context.Background(), nil); err != nil {
		t.Fatalf("delete %s: %v", key, err)
	}
}

func (f *azureFixture) missing() Config {
	c := f.config()
	c.URL = "azblob://no-such-container-" + bucketName() + "/x"
	return c
}

func (f *azureFixture) wrongCredentials(*testing.T) (Config, string) {
	c := f.config()
	c.AccountKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("wrong key "), 6))
	return c, ""
}

func (f *azureFixture) unreachable(t *testing.T) (Config, string) {
	c := f.config()
	c.Endpoint = closedPort(t) + "/" + azuriteAccount
	return c, ""
}

func (f *azureFixture) secrets() []string { return []string{azuriteKey} }

// ---- GCS (fake-gcs-server) ----

type gcsFixture struct {
	endpoint, bucket string
	client           *storage.Client
}

func newGCSFixture(t *testing.T) fixture {
	endpoint := strings.TrimSuffix(emulator(t, "TALLY_TEST_GCS_ENDPOINT"), "/")
	client, err := storage.NewClient(context.Background(), option.WithEndpoint(endpoint+"/storage/v1/"),
		option.WithoutAuthentication(), storage.WithDisabledClientMetrics())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	f := &gcsFixture{endpoint: endpoint, bucket: bucketName(), client: client}
	if err := client.Bucket(f.bucket).Create(context.Background(), "tally-test", nil); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return f
}

func (f *gcsFixture) config() Config {
	return Config{URL: "gs://" + f.bucket + "/" + testPrefix, Endpoint: f.endpoint}
}

func (f *gcsFixture) put(t *testing.T, key string, data []byte) {
	f.putRaw(t, testPrefix+"/"+key, data)
}

func (f *gcsFixture) putRaw(t *testing.T, fullKey string, data []byte) {
	t.Helper()
	w := f.client.Bucket(f.bucket).Object(fullKey).NewWriter(context.Background())
	if _, err := w.Write(data); err != nil {
		t.Fatalf("write %s: %v", fullKey, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("write %s: %v", fullKey, err)
	}
}

func (f *gcsFixture) remove(t *testing.T, key string) {
	t.Helper()
	if err := f.client.Bucket(f.bucket).Object(testPrefix + "/" + key).Delete(context.Background()); err != nil {
		t.Fatalf("delete %s: %v", key, err)
	}
}

func (f *gcsFixture) missing() Config {
	c := f.config()
	c.URL = "gs://no-such-bucket-" + bucketName() + "/x"
	return c
}

// wrongCredentials uses a freshly generated service-account key whose
// token endpoint answers as Google's does for a key it does not know.
// fake-gcs-server itself checks no credentials, so the refusal has to
// come from the OAuth exchange that precedes every real request.
func (f *gcsFixture) wrongCredentials(t *testing.T) (Config, string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`)
	}))
	t.Cleanup(srv.Close)
	c := f.config()
	c.CredentialsJSON = serviceAccountJSON(t, srv.URL+"/token")
	return c, ""
}

func (f *gcsFixture) unreachable(t *testing.T) (Config, string) {
	c := f.config()
	c.Endpoint = closedPort(t)
	return c, ""
}

func (f *gcsFixture) secrets() []string { return nil }

// serviceAccountJSON makes a syntactically real service-account key.
func serviceAccountJSON(t *testing.T, tokenURI string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     "tally-test",
		"private_key_id": "0123456789abcdef",
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   "tally@tally-test.iam.gserviceaccount.com",
		"client_id":      "1234567890",
		"token_uri":      tokenURI,
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

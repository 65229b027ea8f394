package source

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
)

// The credential forms that the shared scenarios do not use, against the
// same emulators.

func listKeys(t *testing.T, c Config) ([]string, error) {
	t.Helper()
	if err := Check(context.Background(), c); err != nil {
		return nil, err
	}
	objs, err := openSource(t, c).List(context.Background())
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	return keys, err
}

func TestAzureCredentialForms(t *testing.T) {
	f := newAzureFixture(t).(*azureFixture)
	data := seed(t, f)
	want := sortedKeys(data)

	readList := sas.ContainerPermissions{Read: true, List: true}
	sasURL, err := f.client.GetSASURL(readList, time.Now().Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(sasURL)
	if err != nil {
		t.Fatal(err)
	}
	readOnly, err := f.client.GetSASURL(sas.ContainerPermissions{Read: true}, time.Now().Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	ro, _ := url.Parse(readOnly)

	base := Config{URL: "azblob://" + f.container + "/" + testPrefix}
	withEndpoint := base
	withEndpoint.Endpoint = f.endpoint
	tests := []struct {
		name    string
		mutate  func(c *Config)
		wantErr error
	}{
		{"connection string", func(c *Config) {
			*c = base
			c.ConnectionString = "DefaultEndpointsProtocol=http;AccountName=" + azuriteAccount +
				";AccountKey=" + azuriteKey + ";BlobEndpoint=" + f.endpoint + ";"
		}, nil},
		{"account name inferred from the emulator endpoint", func(c *Config) {
			*c = withEndpoint
			c.AccountKey = azuriteKey
		}, nil},
		{"SAS token with list permission", func(c *Config) {
			*c = withEndpoint
			c.SASToken = u.RawQuery
		}, nil},
		{"SAS token without list permission", func(c *Config) {
			*c = withEndpoint
			c.SASToken = ro.RawQuery
		}, ErrConnection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			tt.mutate(&c)
			keys, err := listKeys(t, c)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if !reflect.DeepEqual(keys, want) {
				t.Fatalf("List = %q, want %q", keys, want)
			}
		})
	}
}

// With no keys in the Config, the AWS SDK's default chain is used: here
// its environment variables.
func TestS3DefaultCredentialChain(t *testing.T) {
	f := newS3Fixture(t).(*s3Fixture)
	data := seed(t, f)
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "us-east-1")
	c := Config{URL: "s3://" + f.bucket + "/" + testPrefix, Endpoint: f.endpoint}

	t.Setenv("AWS_ACCESS_KEY_ID", f.key)
	t.Setenv("AWS_SECRET_ACCESS_KEY", f.secret)
	keys, err := listKeys(t, c)
	if err != nil {
		t.Fatalf("List with credentials from the environment: %v", err)
	}
	if want := sortedKeys(data); !reflect.DeepEqual(keys, want) {
		t.Fatalf("List = %q, want %q", keys, want)
	}

	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	if err := Check(context.Background(), c); !errors.Is(err, ErrConnection) {
		t.Fatalf("Check with a wrong secret in the environment = %v, want ErrConnection", err)
	}
}

package source

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Config says where bill files live and how to reach them. It is stored in
// Tally's config file and arrives in POST /api/v1/sources bodies, so it
// carries secrets: show it to people only through Sanitized.
//
// Empty credential fields mean "use the provider SDK's default chain"
// (environment, shared config files, workload identity, instance metadata).
type Config struct {
	// URL is one of: a local path or file:///path; s3://bucket/prefix;
	// azblob://container/prefix or
	// https://<account>.blob.core.windows.net/<container>/<prefix>;
	// gs://bucket/prefix.
	URL string `json:"url"`
	// Endpoint overrides the provider's endpoint: an S3-compatible server
	// (path-style addressing is then used), Azurite
	// (http://host:port/<account>) or fake-gcs-server (http://host:port).
	Endpoint string `json:"endpoint,omitempty"`
	// Region is the S3 bucket's region (default: the SDK's default
	// chain, else us-east-1).
	Region string `json:"region,omitempty"`

	// S3 static credentials.
	AccessKeyID     string `json:"access_key_id,omitempty"`
	SecretAccessKey string `json:"secret_access_key,omitempty"`
	SessionToken    string `json:"session_token,omitempty"`

	// Azure Blob: one of ConnectionString, AccountName+AccountKey or
	// SASToken; none means DefaultAzureCredential.
	AccountName      string `json:"account_name,omitempty"`
	AccountKey       string `json:"account_key,omitempty"`
	ConnectionString string `json:"connection_string,omitempty"`
	SASToken         string `json:"sas_token,omitempty"`

	// GCS: a service-account or authorized-user JSON key, as a file or
	// inline. None means Application Default Credentials, or no
	// authentication at all when Endpoint is set (fake-gcs-server).
	CredentialsFile string `json:"credentials_file,omitempty"`
	CredentialsJSON string `json:"credentials_json,omitempty"`
}

// Kind names a backend.
type Kind string

// The backends Open knows.
const (
	KindLocal Kind = "local"
	KindS3    Kind = "s3"
	KindAzure Kind = "azblob"
	KindGCS   Kind = "gcs"
)

// location is a parsed Config.URL.
type location struct {
	kind Kind
	// path is the absolute directory of a local source.
	path string
	// bucket is the S3/GCS bucket or the Azure container.
	bucket string
	// prefix is "" or ends in "/", so that listing "a/" never matches "a2/".
	prefix string
	// account and serviceURL are set for Azure https:// URLs.
	account    string
	serviceURL string
	// sas is a SAS token that came in the URL's query string.
	sas string
}

var (
	// S3 allows dots and, for legacy buckets, upper case and underscores;
	// what matters here is rejecting what cannot be a bucket at all.
	s3BucketRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$`)
	azContainerRE = regexp.MustCompile(`^(\$root|[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62})$`)
	gcsBucketRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$`)
	azAccountRE   = regexp.MustCompile(`^[a-z0-9]{3,24}$`)
)

// Kind reports which backend the URL selects, or "" if it selects none.
func (c Config) Kind() Kind {
	loc, err := parseURL(c.URL)
	if err != nil {
		return ""
	}
	return loc.kind
}

func parseURL(raw string) (location, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return location{}, fmt.Errorf("%w: url is empty", ErrInvalidConfig)
	}
	if !strings.Contains(raw, "://") {
		abs, err := filepath.Abs(raw)
		if err != nil {
			return location{}, fmt.Errorf("%w: local path %q: %w", ErrInvalidConfig, raw, err)
		}
		return location{kind: KindLocal, path: abs}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL, which may carry a SAS token.
		return location{}, fmt.Errorf("%w: url does not parse", ErrInvalidConfig)
	}
	switch strings.ToLower(u.Scheme) {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return location{}, fmt.Errorf("%w: file URL with host %q: only local files are supported", ErrInvalidConfig, u.Host)
		}
		if u.Path == "" || !strings.HasPrefix(u.Path, "/") {
			return location{}, fmt.Errorf("%w: file URL needs an absolute path (file:///dir)", ErrInvalidConfig)
		}
		return location{kind: KindLocal, path: filepath.Clean(u.Path)}, nil
	case "s3":
		return bucketLocation(KindS3, u, s3BucketRE)
	case "gs":
		return bucketLocation(KindGCS, u, gcsBucketRE)
	case "azblob":
		return bucketLocation(KindAzure, u, azContainerRE)
	case "https", "http":
		return azureHTTPSLocation(u)
	default:
		return location{}, fmt.Errorf("%w: unsupported URL scheme %q (want a path, file://, s3://, azblob://, https://<account>.blob.core.windows.net or gs://)", ErrInvalidConfig, u.Scheme)
	}
}

func bucketLocation(kind Kind, u *url.URL, nameRE *regexp.Regexp) (location, error) {
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return location{}, fmt.Errorf("%w: %s URL must be %s://bucket/prefix, without user, query or fragment", ErrInvalidConfig, kind, u.Scheme)
	}
	if !nameRE.MatchString(u.Host) {
		return location{}, fmt.Errorf("%w: %q is not a valid %s bucket or container name", ErrInvalidConfig, u.Host, kind)
	}
	prefix, err := cleanPrefix(u.Path)
	if err != nil {
		return location{}, err
	}
	return location{kind: kind, bucket: u.Host, prefix: prefix}, nil
}

// azureHTTPSLocation accepts https://<account>.blob.<cloud suffix>/<container>/<prefix>[?sas].
func azureHTTPSLocation(u *url.URL) (location, error) {
	host := strings.ToLower(u.Hostname())
	account, suffix, ok := strings.Cut(host, ".")
	if strings.ToLower(u.Scheme) != "https" || !ok || !strings.HasPrefix(suffix, "blob.") {
		return location{}, fmt.Errorf("%w: only https://<account>.blob.core.windows.net/<container>/<prefix> URLs are supported (use endpoint for emulators)", ErrInvalidConfig)
	}
	if !azAccountRE.MatchString(account) {
		return location{}, fmt.Errorf("%w: %q is not a valid storage account name", ErrInvalidConfig, account)
	}
	container, rest, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if !azContainerRE.MatchString(container) {
		return location{}, fmt.Errorf("%w: %q is not a valid container name", ErrInvalidConfig, container)
	}
	prefix, err := cleanPrefix(rest)
	if err != nil {
		return location{}, err
	}
	return location{
		kind:       KindAzure,
		bucket:     container,
		prefix:     prefix,
		account:    account,
		serviceURL: "https://" + u.Host + "/",
		sas:        u.RawQuery,
	}, nil
}

// cleanPrefix turns a URL path into "" or "a/b/": the trailing slash keeps
// "a" from matching "a2/...".
func cleanPrefix(p string) (string, error) {
	p = strings.Trim(p, "/")
	if p == "" {
		return "", nil
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("%w: prefix %q has an empty, . or .. segment", ErrInvalidConfig, p)
		}
	}
	return p + "/", nil
}

// Validate checks the URL and that the credential fields fit the backend
// and each other. It does no I/O except reading CredentialsFile, whose
// absence is the most common mistake with it.
func (c Config) Validate() error {
	loc, err := parseURL(c.URL)
	if err != nil {
		return err
	}
	if c.Endpoint != "" {
		if loc.kind == KindLocal {
			return fmt.Errorf("%w: endpoint is not used by local sources", ErrInvalidConfig)
		}
		if loc.serviceURL != "" {
			return fmt.Errorf("%w: give either an https:// blob URL or an endpoint, not both", ErrInvalidConfig)
		}
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: endpoint must be an http:// or https:// URL with a host", ErrInvalidConfig)
		}
		if u.User != nil || u.RawQuery != "" {
			return fmt.Errorf("%w: endpoint must not carry user info or a query", ErrInvalidConfig)
		}
	}
	s3Set := c.AccessKeyID != "" || c.SecretAccessKey != "" || c.SessionToken != "" || c.Region != ""
	azSet := c.AccountName != "" || c.AccountKey != "" || c.ConnectionString != "" || c.SASToken != ""
	gcsSet := c.CredentialsFile != "" || c.CredentialsJSON != ""
	for _, f := range []struct {
		set  bool
		kind Kind
		what string
	}{
		{s3Set, KindS3, "region, access_key_id, secret_access_key and session_token"},
		{azSet, KindAzure, "account_name, account_key, connection_string and sas_token"},
		{gcsSet, KindGCS, "credentials_file and credentials_json"},
	} {
		if f.set && loc.kind != f.kind {
			return fmt.Errorf("%w: %s are only used by %s sources", ErrInvalidConfig, f.what, f.kind)
		}
	}
	switch loc.kind {
	case KindS3:
		if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
			return fmt.Errorf("%w: access_key_id and secret_access_key go together", ErrInvalidConfig)
		}
		if c.SessionToken != "" && c.AccessKeyID == "" {
			return fmt.Errorf("%w: session_token needs access_key_id and secret_access_key", ErrInvalidConfig)
		}
	case KindAzure:
		return c.validateAzure(loc)
	case KindGCS:
		_, _, err := c.gcsCredentials()
		return err
	}
	return nil
}

func (c Config) validateAzure(loc location) error {
	n := 0
	for _, s := range []string{c.ConnectionString, c.AccountKey, c.SASToken, loc.sas} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("%w: give only one of connection_string, account_key and sas_token", ErrInvalidConfig)
	}
	if c.ConnectionString != "" {
		if c.AccountName != "" || c.Endpoint != "" || loc.serviceURL != "" {
			return fmt.Errorf("%w: a connection_string already names the account and endpoint; use azblob://container/prefix", ErrInvalidConfig)
		}
		return nil
	}
	if c.AccountKey != "" {
		if _, err := base64.StdEncoding.DecodeString(c.AccountKey); err != nil {
			return fmt.Errorf("%w: account_key is not base64", ErrInvalidConfig)
		}
	}
	if c.AccountName != "" && !azAccountRE.MatchString(c.AccountName) {
		return fmt.Errorf("%w: %q is not a valid storage account name", ErrInvalidConfig, c.AccountName)
	}
	if loc.account != "" && c.AccountName != "" && c.AccountName != loc.account {
		return fmt.Errorf("%w: account_name %q differs from the URL's account %q", ErrInvalidConfig, c.AccountName, loc.account)
	}
	if _, _, err := c.azureService(loc); err != nil {
		return err
	}
	return nil
}

// azureService returns the blob service URL and the account name.
func (c Config) azureService(loc location) (serviceURL, account string, err error) {
	switch {
	case loc.serviceURL != "":
		return loc.serviceURL, loc.account, nil
	case c.Endpoint != "":
		serviceURL = strings.TrimSuffix(c.Endpoint, "/") + "/"
		account = c.AccountName
		if account == "" {
			// Azurite and other emulators put the account in the path
			// (http://127.0.0.1:10000/devstoreaccount1); Azure puts it in
			// the host name.
			u, _ := url.Parse(c.Endpoint)
			if p := strings.Trim(u.Path, "/"); p != "" {
				account = p
			} else {
				account, _, _ = strings.Cut(u.Hostname(), ".")
			}
		}
		return serviceURL, account, nil
	case c.AccountName != "":
		return "https://" + c.AccountName + ".blob.core.windows.net/", c.AccountName, nil
	default:
		return "", "", fmt.Errorf("%w: azblob:// URLs need account_name, endpoint or connection_string (or use https://<account>.blob.core.windows.net/...)", ErrInvalidConfig)
	}
}

// gcsCredentials returns the credentials JSON (nil for defaults) and its
// type. Only key types that cannot run commands or reach arbitrary token
// URLs are accepted: the JSON may come from an API request.
func (c Config) gcsCredentials() ([]byte, string, error) {
	if c.CredentialsFile != "" && c.CredentialsJSON != "" {
		return nil, "", fmt.Errorf("%w: give credentials_file or credentials_json, not both", ErrInvalidConfig)
	}
	var data []byte
	switch {
	case c.CredentialsJSON != "":
		data = []byte(c.CredentialsJSON)
	case c.CredentialsFile != "":
		b, err := os.ReadFile(c.CredentialsFile)
		if err != nil {
			return nil, "", fmt.Errorf("%w: credentials_file: %w", ErrInvalidConfig, err)
		}
		data = b
	default:
		return nil, "", nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		// The JSON error could quote part of a private key: say only that.
		return nil, "", fmt.Errorf("%w: GCS credentials are not valid JSON", ErrInvalidConfig)
	}
	switch head.Type {
	case "service_account", "authorized_user", "impersonated_service_account":
		return data, head.Type, nil
	default:
		return nil, "", fmt.Errorf("%w: GCS credentials of type %q are not supported (want service_account, authorized_user or impersonated_service_account)", ErrInvalidConfig, head.Type)
	}
}

// Sanitized describes the config for logs, API responses and the UI. It
// holds no secret: secret fields appear only as the kind of credential in
// use, and the URL loses its query string (a SAS token).
func (c Config) Sanitized() map[string]string {
	m := map[string]string{"url": redactURL(c.URL)}
	if k := c.Kind(); k != "" {
		m["kind"] = string(k)
	}
	if c.Endpoint != "" {
		m["endpoint"] = redactURL(c.Endpoint)
	}
	if c.Region != "" {
		m["region"] = c.Region
	}
	if c.AccountName != "" {
		m["account_name"] = c.AccountName
	}
	if c.CredentialsFile != "" {
		m["credentials_file"] = c.CredentialsFile
	}
	m["auth"] = c.authKind()
	return m
}

func (c Config) authKind() string {
	switch {
	case c.AccessKeyID != "" && c.SessionToken != "":
		return "static keys with session token"
	case c.AccessKeyID != "":
		return "static keys"
	case c.ConnectionString != "":
		return "connection string"
	case c.AccountKey != "":
		return "account key"
	case c.SASToken != "" || (c.Kind() == KindAzure && strings.Contains(c.URL, "?")):
		return "SAS token"
	case c.CredentialsFile != "":
		return "credentials file"
	case c.CredentialsJSON != "":
		return "credentials JSON"
	case c.Kind() == KindLocal:
		return "none"
	case c.Kind() == KindGCS && c.Endpoint != "":
		return "none (emulator)"
	default:
		return "default credentials"
	}
}

// redactURL drops user info, query and fragment; for strings that do not
// parse it keeps only what comes before any '?' or '#'.
func redactURL(raw string) string {
	if !strings.Contains(raw, "://") {
		return raw // a local path: nothing secret, and '?' is a legal file name byte
	}
	u, err := url.Parse(raw)
	if err != nil {
		s, _, _ := strings.Cut(raw, "?")
		s, _, _ = strings.Cut(s, "#")
		if i := strings.Index(s, "@"); i >= 0 {
			if j := strings.Index(s, "://"); j >= 0 && j < i {
				s = s[:j+3] + s[i+1:]
			}
		}
		return s
	}
	u.User = nil
	u.RawQuery = ""
	u.ForceQuery = false
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}

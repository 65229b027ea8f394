package source

import (
	"encoding/json"
	"net/url"
	"strings"
)

// Field is one text field of a Config.
type Field struct {
	// Name is the field's JSON name.
	Name string
	// Value points into the Config, so that a store can seal and open
	// the field in place.
	Value *string
}

// TextFields returns every field of c, the credentials last (the
// fields of SecretFields): what a store keeps, and checks as text.
func (c *Config) TextFields() []Field {
	return append([]Field{
		{"url", &c.URL},
		{"endpoint", &c.Endpoint},
		{"region", &c.Region},
		{"access_key_id", &c.AccessKeyID},
		{"account_name", &c.AccountName},
		{"credentials_file", &c.CredentialsFile},
	}, c.SecretFields()...)
}

// SecretFields returns c's credential fields. A SAS token can also hide
// in URL's query string: see SplitURLQuery. AccessKeyID, AccountName and
// CredentialsFile name credentials without being them, and stay readable.
func (c *Config) SecretFields() []Field {
	return []Field{
		{"secret_access_key", &c.SecretAccessKey},
		{"session_token", &c.SessionToken},
		{"account_key", &c.AccountKey},
		{"connection_string", &c.ConnectionString},
		{"sas_token", &c.SASToken},
		{"credentials_json", &c.CredentialsJSON},
	}
}

// SplitURLQuery splits a source URL into what may be shown and its query
// string (with any fragment), which carries an Azure SAS token:
// base+"?"+query is raw again. Local paths have no query ('?' is a file
// name byte there).
func SplitURLQuery(raw string) (base, query string) {
	if !strings.Contains(raw, "://") {
		return raw, ""
	}
	base, query, _ = strings.Cut(raw, "?")
	return base, query
}

// SecretValues lists the secrets of c as they may appear in an SDK's
// error text, for a redactor: each credential field, the URL's query, the
// signature of a SAS token wherever it is, the key of a connection
// string, and the private key and client secret of GCS credentials.
func (c Config) SecretValues() []string {
	var out []string
	add := func(vs ...string) {
		for _, v := range vs {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	for _, f := range c.SecretFields() {
		add(*f.Value)
	}
	_, query := SplitURLQuery(c.URL)
	add(query)
	for _, sas := range []string{query, strings.TrimPrefix(c.SASToken, "?")} {
		add(sasSignatures(sas)...)
	}
	for _, part := range strings.Split(c.ConnectionString, ";") {
		k, v, _ := strings.Cut(part, "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "accountkey":
			add(v)
		case "sharedaccesssignature":
			add(v)
			add(sasSignatures(v)...)
		}
	}
	if c.CredentialsJSON != "" {
		var creds map[string]any
		if json.Unmarshal([]byte(c.CredentialsJSON), &creds) == nil {
			for _, k := range []string{"private_key", "client_secret", "refresh_token"} {
				if s, ok := creds[k].(string); ok {
					add(s)
				}
			}
		}
	}
	return out
}

// sasSignatures returns the sig parameter of a SAS token, as written and
// decoded: SDKs re-encode the query they send.
func sasSignatures(sas string) []string {
	var out []string
	for _, part := range strings.Split(sas, "&") {
		k, v, _ := strings.Cut(part, "=")
		if !strings.EqualFold(k, "sig") || v == "" {
			continue
		}
		out = append(out, v)
		if d, err := url.QueryUnescape(v); err == nil && d != v {
			out = append(out, d)
		}
	}
	return out
}

package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
)

// gcsSource reads gs://bucket/prefix through the official Cloud Storage
// client.
type gcsSource struct {
	client *storage.Client
	bucket string
	prefix string
	desc   string
	// pageSize is 0 for the service's default; tests lower it to
	// exercise pagination.
	pageSize int
}

func newGCS(ctx context.Context, c Config, loc location) (*gcsSource, error) {
	creds, credType, err := c.gcsCredentials()
	if err != nil {
		return nil, err
	}
	opts := []option.ClientOption{
		// A self-hosted tool should not export client metrics to Google.
		storage.WithDisabledClientMetrics(),
	}
	if creds != nil {
		opts = append(opts, option.WithAuthCredentialsJSON(option.CredentialsType(credType), creds))
	}
	if c.Endpoint != "" {
		// fake-gcs-server serves the JSON API under /storage/v1/ and needs
		// no authentication; with credentials given they are still used,
		// for servers that do check them.
		opts = append(opts, option.WithEndpoint(strings.TrimSuffix(c.Endpoint, "/")+"/storage/v1/"))
		if creds == nil {
			opts = append(opts, option.WithoutAuthentication())
		}
	}
	client, err := storage.NewClient(ctx, opts...)
	if err != nil {
		// Without credentials configured and none in the environment.
		return nil, fmt.Errorf("%w: gcs client: %w", ErrConnection, err)
	}
	desc := "gs://" + loc.bucket + "/" + loc.prefix
	if c.Endpoint != "" {
		desc += " at " + redactURL(c.Endpoint)
	}
	return &gcsSource{client: client, bucket: loc.bucket, prefix: loc.prefix, desc: desc}, nil
}

func (g *gcsSource) String() string { return g.desc }

// Close releases the client's connections.
func (g *gcsSource) Close() error { return g.client.Close() }

func (g *gcsSource) objects(ctx context.Context) *storage.ObjectIterator {
	q := &storage.Query{Prefix: g.prefix}
	// Fetch only what Object needs. It fails only for unknown attribute
	// names, and then the query simply returns every attribute.
	_ = q.SetAttrSelection([]string{"Name", "Size", "Updated", "Etag"})
	return g.client.Bucket(g.bucket).Objects(ctx, q)
}

func (g *gcsSource) probe(ctx context.Context) error {
	it := g.objects(ctx)
	it.PageInfo().MaxSize = 1
	if _, err := it.Next(); err != nil && !errors.Is(err, iterator.Done) {
		return gcsError(ctx, "list", g.bucket, err)
	}
	return nil
}

func (g *gcsSource) List(ctx context.Context) ([]Object, error) {
	var objs []Object
	it := g.objects(ctx)
	it.PageInfo().MaxSize = g.pageSize
	for {
		a, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, gcsError(ctx, "list", g.bucket, err)
		}
		key := strings.TrimPrefix(a.Name, g.prefix)
		if key == "" || strings.HasSuffix(key, "/") {
			continue // folder placeholders
		}
		objs = append(objs, Object{Key: key, Size: a.Size, Modified: a.Updated, ETag: a.Etag})
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	return objs, nil
}

func (g *gcsSource) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	// ReadCompressed: the stored bytes, whose length List reported, not a
	// transparently gunzipped stream of another length.
	r, err := g.client.Bucket(g.bucket).Object(g.prefix + key).ReadCompressed(true).NewReader(ctx)
	if err != nil {
		return nil, gcsError(ctx, "get "+key, g.bucket, err)
	}
	return r, nil
}

func gcsError(ctx context.Context, op, bucket string, err error) error {
	if e := contextError(ctx, err); e != nil {
		return fmt.Errorf("gcs %s: %w", op, e)
	}
	if errors.Is(err, storage.ErrBucketNotExist) || errors.Is(err, storage.ErrObjectNotExist) {
		return fmt.Errorf("%w: gcs %s in bucket %s: %w", ErrNotFound, op, bucket, err)
	}
	var gerr *googleapi.Error
	if errors.As(err, &gerr) {
		switch gerr.Code {
		case http.StatusNotFound:
			return fmt.Errorf("%w: gcs %s in bucket %s: %w", ErrNotFound, op, bucket, err)
		case http.StatusBadRequest:
			if strings.Contains(strings.ToLower(gerr.Message), "bucket") {
				return fmt.Errorf("%w: gcs %s in bucket %s: %w", ErrInvalidConfig, op, bucket, err)
			}
		}
	}
	// Network errors, token errors (wrong or revoked key), 401/403, 5xx.
	return fmt.Errorf("%w: gcs %s in bucket %s: %w", ErrConnection, op, bucket, err)
}

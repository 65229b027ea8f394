package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// azureSource reads a blob container through the official Azure SDK.
type azureSource struct {
	client *container.Client
	prefix string
	desc   string
	// pageSize is 0 for the service's default; tests lower it to
	// exercise pagination.
	pageSize int32
}

func newAzure(c Config, loc location) (*azureSource, error) {
	var (
		client *container.Client
		desc   string
		err    error
	)
	if c.ConnectionString != "" {
		client, err = container.NewClientFromConnectionString(c.ConnectionString, loc.bucket, nil)
		if err != nil {
			// The SDK's message can quote the string, key included.
			return nil, fmt.Errorf("%w: connection_string does not parse", ErrInvalidConfig)
		}
		desc = redactURL(client.URL())
	} else {
		serviceURL, account, err := c.azureService(loc)
		if err != nil {
			return nil, err
		}
		containerURL := serviceURL + loc.bucket
		desc = containerURL
		sas := strings.TrimPrefix(c.SASToken, "?")
		if sas == "" {
			sas = loc.sas
		}
		switch {
		case c.AccountKey != "":
			cred, err := container.NewSharedKeyCredential(account, c.AccountKey)
			if err != nil {
				return nil, fmt.Errorf("%w: account_key: %w", ErrInvalidConfig, err)
			}
			client, err = container.NewClientWithSharedKeyCredential(containerURL, cred, nil)
			if err != nil {
				return nil, fmt.Errorf("%w: azure client: %w", ErrInvalidConfig, err)
			}
		case sas != "":
			client, err = container.NewClientWithNoCredential(containerURL+"?"+sas, nil)
			if err != nil {
				return nil, fmt.Errorf("%w: azure client with SAS token", ErrInvalidConfig)
			}
		default:
			// Builds the chain (env, workload identity, managed identity,
			// Azure CLI) without contacting anything; tokens are fetched
			// on the first request.
			cred, err := azidentity.NewDefaultAzureCredential(nil)
			if err != nil {
				return nil, fmt.Errorf("%w: azure default credentials: %w", ErrConnection, err)
			}
			client, err = container.NewClient(containerURL, cred, nil)
			if err != nil {
				return nil, fmt.Errorf("%w: azure client: %w", ErrInvalidConfig, err)
			}
		}
	}
	return &azureSource{client: client, prefix: loc.prefix, desc: desc + "/" + loc.prefix}, nil
}

func (a *azureSource) String() string { return a.desc }

func (a *azureSource) listOptions(limit int32) *container.ListBlobsFlatOptions {
	o := &container.ListBlobsFlatOptions{}
	if a.prefix != "" {
		o.Prefix = &a.prefix
	}
	if limit > 0 {
		o.MaxResults = &limit
	}
	return o
}

func (a *azureSource) probe(ctx context.Context) error {
	p := a.client.NewListBlobsFlatPager(a.listOptions(1))
	if _, err := p.NextPage(ctx); err != nil {
		return azureError(ctx, "list", err)
	}
	return nil
}

func (a *azureSource) List(ctx context.Context) ([]Object, error) {
	var objs []Object
	p := a.client.NewListBlobsFlatPager(a.listOptions(a.pageSize))
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, azureError(ctx, "list", err)
		}
		for _, b := range page.Segment.BlobItems {
			if b == nil || b.Name == nil || b.Properties == nil {
				continue
			}
			key := strings.TrimPrefix(*b.Name, a.prefix)
			if key == "" || strings.HasSuffix(key, "/") {
				continue // directory markers (hierarchical namespace)
			}
			o := Object{Key: key}
			if b.Properties.ContentLength != nil {
				o.Size = *b.Properties.ContentLength
			}
			if b.Properties.LastModified != nil {
				o.Modified = *b.Properties.LastModified
			}
			if b.Properties.ETag != nil {
				o.ETag = strings.Trim(string(*b.Properties.ETag), `"`)
			}
			objs = append(objs, o)
		}
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	return objs, nil
}

func (a *azureSource) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	resp, err := a.client.NewBlobClient(a.prefix+key).DownloadStream(ctx, nil)
	if err != nil {
		return nil, azureError(ctx, "download "+key, err)
	}
	// The retry reader resumes with a range request if the connection
	// drops in the middle of a large export file.
	return resp.NewRetryReader(ctx, &blob.RetryReaderOptions{MaxRetries: 3}), nil
}

// shortError keeps the SDK error for errors.As but prints one line: the
// SDK's own message is a multi-line dump of the response.
type shortError struct {
	msg string
	err error
}

func (e *shortError) Error() string { return e.msg }
func (e *shortError) Unwrap() error { return e.err }

func azureError(ctx context.Context, op string, err error) error {
	if e := contextError(ctx, err); e != nil {
		return fmt.Errorf("azure %s: %w", op, e)
	}
	var respErr *azcore.ResponseError
	if errors.As(err, &respErr) {
		short := &shortError{
			msg: fmt.Sprintf("azure %s: HTTP %d %s", op, respErr.StatusCode, respErr.ErrorCode),
			err: err,
		}
		switch {
		case bloberror.HasCode(err, bloberror.ContainerNotFound, bloberror.BlobNotFound, bloberror.ResourceNotFound),
			respErr.StatusCode == http.StatusNotFound:
			return fmt.Errorf("%w: %w", ErrNotFound, short)
		case bloberror.HasCode(err, bloberror.InvalidResourceName, bloberror.InvalidURI):
			return fmt.Errorf("%w: %w", ErrInvalidConfig, short)
		}
		return fmt.Errorf("%w: %w", ErrConnection, short)
	}
	// Network errors and credential failures (azidentity's
	// AuthenticationFailedError, unavailable credentials).
	return fmt.Errorf("%w: azure %s: %w", ErrConnection, op, err)
}

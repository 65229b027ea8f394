package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// s3Source reads s3://bucket/prefix through the official AWS SDK, which
// brings the whole credential chain (env, profiles, SSO, IRSA, IMDS).
type s3Source struct {
	client *s3.Client
	bucket string
	prefix string
	desc   string
	// pageSize is 0 for the service's default; tests lower it to
	// exercise pagination.
	pageSize int32
}

func newS3(ctx context.Context, c Config, loc location) (*s3Source, error) {
	var opts []func(*config.LoadOptions) error
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.AccessKeyID != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)))
	}
	// LoadDefaultConfig only reads the environment and shared config
	// files; credentials are fetched on the first request.
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: load AWS configuration: %w", ErrInvalidConfig, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
			// S3-compatible servers rarely have wildcard DNS for
			// virtual-hosted buckets.
			o.UsePathStyle = true
		}
		// Bill files are read, never written; servers that send no
		// checksum should not fill the log with warnings.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	desc := "s3://" + loc.bucket + "/" + loc.prefix
	if c.Endpoint != "" {
		desc += " at " + redactURL(c.Endpoint)
	}
	return &s3Source{client: client, bucket: loc.bucket, prefix: loc.prefix, desc: desc}, nil
}

func (s *s3Source) String() string { return s.desc }

func (s *s3Source) probe(ctx context.Context) error {
	_, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket:  aws.String(s.bucket),
		Prefix:  aws.String(s.prefix),
		MaxKeys: aws.Int32(1),
	})
	if err != nil {
		return s3Error(ctx, "list", s.bucket, err)
	}
	return nil
}

func (s *s3Source) List(ctx context.Context) ([]Object, error) {
	var objs []Object
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix)}
	if s.pageSize > 0 {
		in.MaxKeys = aws.Int32(s.pageSize)
	}
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s3Error(ctx, "list", s.bucket, err)
		}
		for _, o := range page.Contents {
			key := strings.TrimPrefix(aws.ToString(o.Key), s.prefix)
			if key == "" || strings.HasSuffix(key, "/") {
				continue // "folder" marker objects made by consoles
			}
			objs = append(objs, Object{
				Key:      key,
				Size:     aws.ToInt64(o.Size),
				Modified: aws.ToTime(o.LastModified),
				ETag:     strings.Trim(aws.ToString(o.ETag), `"`),
			})
		}
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	return objs, nil
}

func (s *s3Source) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.prefix + key),
	})
	if err != nil {
		return nil, s3Error(ctx, "get "+key, s.bucket, err)
	}
	return out.Body, nil
}

// s3Error sorts an SDK error into the package's classes.
func s3Error(ctx context.Context, op, bucket string, err error) error {
	if e := contextError(ctx, err); e != nil {
		return fmt.Errorf("s3 %s: %w", op, e)
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchBucket", "NoSuchKey", "NotFound":
			return fmt.Errorf("%w: s3 %s in bucket %s: %w", ErrNotFound, op, bucket, err)
		case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
			return fmt.Errorf("%w: s3 bucket %s is in another region; set region: %w", ErrInvalidConfig, bucket, err)
		case "InvalidBucketName":
			return fmt.Errorf("%w: s3 bucket name %s: %w", ErrInvalidConfig, bucket, err)
		}
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusNotFound {
		return fmt.Errorf("%w: s3 %s in bucket %s: %w", ErrNotFound, op, bucket, err)
	}
	// Everything else is reachability or authorization: network errors,
	// no credentials in the chain, InvalidAccessKeyId,
	// SignatureDoesNotMatch, AccessDenied, expired tokens, 5xx.
	return fmt.Errorf("%w: s3 %s in bucket %s: %w", ErrConnection, op, bucket, err)
}

package federation

// ClientConfig is replaced by client.go.
type ClientConfig struct {
	UserAgent    string
	AllowPrivate bool
}

// Client is replaced by client.go.
type Client struct{}

// NewClient is replaced by client.go.
func NewClient(cfg ClientConfig) *Client { return &Client{} }

package localch

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// ping opens a native connection and sends a protocol ping: an open port alone
// is not enough, the server accepts connections before it can answer queries.
func ping(ctx context.Context, port int) error {
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(port))},
		DialTimeout: time.Second,
	})
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return conn.Ping(ctx)
}

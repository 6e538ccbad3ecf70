package dashboard

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// responseCache keeps whole answers of data pages and the API, by their ETag
// (data version, disclosure rule, build and URL): a page asked again before
// the next load is written from memory, without computing or rendering it.
// Bounded in bytes, least recently used first out. Downloads are not kept
// (they are large and rarely asked twice).
type responseCache struct {
	mu   sync.Mutex
	held lru // weighed in bytes
}

type savedResponse struct {
	key    string
	header http.Header // Content-Type, Content-Encoding, Vary
	body   []byte      // as sent: compressed when the client took gzip
}

// DefaultResponseBytes bounds the response cache.
const DefaultResponseBytes = 64 << 20

func newResponseCache(budget int) *responseCache {
	if budget <= 0 {
		budget = DefaultResponseBytes
	}
	return &responseCache{held: newLRU(budget)}
}

func (rc *responseCache) get(key string) (*savedResponse, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	v, ok := rc.held.get(key)
	if !ok {
		return nil, false
	}
	return v.(*savedResponse), true
}

// put keeps a response, unless it is larger than an eighth of the budget.
func (rc *responseCache) put(r *savedResponse) {
	if len(r.body) > rc.held.budget/8 {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.held.put(r.key, r, len(r.body))
}

// recorder copies what a handler writes, to keep it.
type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

// serveSaved writes a kept answer, or runs the handler and keeps its 200.
// tag is the request's ETag (etags); an answer is kept per encoding.
func (s *Server) serveSaved(c echo.Context, tag string, next echo.HandlerFunc) error {
	if strings.HasPrefix(c.Request().URL.Path, "/download/") {
		return next(c)
	}
	key := tag
	if strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip") {
		key += "|gzip"
	}
	if saved, ok := s.responses.get(key); ok {
		h := c.Response().Header()
		for k, vs := range saved.header {
			h[k] = vs
		}
		c.Response().WriteHeader(http.StatusOK)
		_, err := c.Response().Write(saved.body)
		return err
	}
	w := c.Response().Writer
	rec := &recorder{ResponseWriter: w}
	c.Response().Writer = rec
	err := next(c)
	c.Response().Writer = w
	if err == nil && rec.status == http.StatusOK {
		h := http.Header{}
		for _, k := range []string{echo.HeaderContentType, echo.HeaderContentEncoding, echo.HeaderVary} {
			if v := c.Response().Header().Values(k); len(v) > 0 {
				h[k] = append([]string(nil), v...)
			}
		}
		s.responses.put(&savedResponse{key: key, header: h, body: rec.buf.Bytes()})
	}
	return err
}

// writeChunk is the largest piece an answer is written in. echo's gzip
// step copies its first write whole into a buffer before compressing it, so
// a page written in one piece is held twice; in pieces it is compressed as
// it goes.
const writeChunk = 32 << 10

// writeBlob writes a whole answer in pieces of writeChunk (c.Blob, without
// the compression step's copy of it).
func writeBlob(c echo.Context, status int, contentType string, b []byte) error {
	c.Response().Header().Set(echo.HeaderContentType, contentType)
	c.Response().WriteHeader(status)
	for len(b) > 0 {
		n := min(len(b), writeChunk)
		if _, err := c.Response().Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// jsonAppender is a value that appends its own JSON, exactly what
// encoding/json writes for it but faster (queries.AreaMetrics).
type jsonAppender interface{ AppendJSON([]byte) []byte }

// appendJSONItem appends item's JSON to buf: its own, or encoding/json's.
func appendJSONItem[T any](buf []byte, item *T) ([]byte, error) {
	if ap, ok := any(item).(jsonAppender); ok {
		return ap.AppendJSON(buf), nil
	}
	b, err := json.Marshal(item)
	return append(buf, b...), err
}

// writeJSONList writes the JSON object of head with one more member, name,
// whose value is the array of items, as c.JSON would write the whole
// (compact, HTML escaped, a newline at the end), but an item at a time: the
// PCN-level answer is 4 MB of JSON, which encoded whole is held in memory
// three times over (the encoder's buffer, the compression step's copy, and
// the kept answer), each grown from nothing. head must encode as an object;
// nil items are an empty array, not null.
func writeJSONList[T any](c echo.Context, status int, head any, name string, items []T) error {
	b, err := json.Marshal(head)
	if err != nil {
		return fmt.Errorf("encode the answer's %s: %w", name, err)
	}
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return fmt.Errorf("encode the answer's %s: its head is not an object: %.40s", name, b)
	}
	key, err := json.Marshal(name)
	if err != nil {
		return fmt.Errorf("encode the answer's %s: %w", name, err)
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(status)
	w := bufio.NewWriterSize(c.Response(), writeChunk)
	w.Write(b[:len(b)-1])
	if len(b) > 2 {
		w.WriteByte(',')
	}
	w.Write(key)
	w.WriteString(":[")
	// The items are encoded in a goroutine of their own, a chunk at a
	// time, while this one writes (and so compresses) the chunks before:
	// on two cores the PCN-level answer's encoding and its compression
	// overlap instead of following each other.
	chunks := make(chan []byte, 4)
	stop := make(chan struct{})
	var encodeErr error // set before chunks is closed
	go func() {
		defer close(chunks)
		var buf []byte
		for i := range items {
			before := len(buf)
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendJSONItem(buf, &items[i]); err != nil {
				buf = buf[:before]
				encodeErr = fmt.Errorf("encode the answer's %s, item %d: %w", name, i, err)
				if len(buf) > 0 { // the items before it
					select {
					case chunks <- buf:
					case <-stop:
					}
				}
				return
			}
			if len(buf) >= writeChunk || i == len(items)-1 {
				select {
				case chunks <- buf:
					buf = nil // the writer has it
				case <-stop:
					return
				}
			}
		}
	}()
	var stopped bool
	for b := range chunks {
		if _, err := w.Write(b); err != nil && !stopped { // the client went: stop encoding
			close(stop)
			stopped = true
		}
	}
	if encodeErr != nil {
		// The answer is begun: it ends here, unfinished (not valid JSON,
		// so no client takes it for a whole answer), and the error is not
		// an error page.
		_ = w.Flush()
		return encodeErr
	}
	w.WriteString("]}\n")
	return w.Flush() // the first error of any write above
}

package dashboard

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// The compression step compresses what is worth it for a client that asks,
// leaves small answers and compressed files as they are, and still gives a
// handler's error its status and message, compressed or not.
func TestCompressionStep(t *testing.T) {
	big := strings.Repeat("<tr><td>U00001</td><td>1.5</td></tr>\n", 2000)
	zipped := bytes.Repeat([]byte("PK\x03\x04"), 1000)
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			_ = c.String(he.Code, strings.Repeat(he.Message.(string)+"\n", 100))
			return
		}
		_ = c.String(http.StatusInternalServerError, "failed")
	}
	e.Use(compressAnswers())
	e.GET("/big", func(c echo.Context) error { return c.HTML(http.StatusOK, big) })
	e.GET("/small", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/xlsx", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", zipped)
	})
	e.GET("/refused", func(c echo.Context) error {
		return echo.NewHTTPError(http.StatusBadRequest, "Unknown area code.")
	})
	for _, tc := range []struct {
		path       string
		gz         bool
		status     int
		compressed bool
		want       []byte
	}{
		{"/big", true, 200, true, []byte(big)},
		{"/big", false, 200, false, []byte(big)},
		{"/small", true, 200, false, []byte("ok")},
		{"/xlsx", true, 200, false, zipped},
		{"/refused", true, 400, true, []byte(strings.Repeat("Unknown area code.\n", 100))},
		{"/refused", false, 400, false, []byte(strings.Repeat("Unknown area code.\n", 100))},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		if tc.gz {
			req.Header.Set(echo.HeaderAcceptEncoding, "gzip, deflate, br, zstd")
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		enc := rec.Header().Get(echo.HeaderContentEncoding)
		if (enc == "gzip") != tc.compressed {
			t.Errorf("%s gzip asked %v: Content-Encoding %q, want compressed %v", tc.path, tc.gz, enc, tc.compressed)
		}
		if enc == "gzip" {
			r, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("%s: %v", tc.path, err)
			}
			if body, err = io.ReadAll(r); err != nil {
				t.Fatalf("%s: %v", tc.path, err)
			}
		}
		if rec.Code != tc.status || !bytes.Equal(body, tc.want) {
			t.Errorf("%s gzip asked %v: status %d, %d bytes (%.40q), want %d and %d bytes", tc.path, tc.gz, rec.Code, len(body), body, tc.status, len(tc.want))
		}
		if !strings.Contains(rec.Header().Get(echo.HeaderVary), echo.HeaderAcceptEncoding) {
			t.Errorf("%s: Vary %q does not name Accept-Encoding", tc.path, rec.Header().Get(echo.HeaderVary))
		}
	}
}

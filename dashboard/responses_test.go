package dashboard

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"spdash/queries"
)

type listItem struct {
	Code  string         `json:"code"`
	Rate  queries.Figure `json:"rate"`
	Notes []string       `json:"notes,omitempty"`
}

// serveOnce runs h behind the server's compression step and returns the
// answer's status, headers and body as the client reads it.
func serveOnce(t *testing.T, gz bool, h echo.HandlerFunc) (*httptest.ResponseRecorder, []byte) {
	t.Helper()
	e := echo.New()
	e.Use(compressAnswers())
	e.GET("/", h)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if gz {
		req.Header.Set(echo.HeaderAcceptEncoding, "gzip")
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	if rec.Header().Get(echo.HeaderContentEncoding) == "gzip" {
		r, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		if body, err = io.ReadAll(r); err != nil {
			t.Fatalf("gunzip: %v", err)
		}
	} else if gz && len(body) >= 1024 {
		t.Fatalf("asked for gzip, got Content-Encoding %q", rec.Header().Get(echo.HeaderContentEncoding))
	}
	return rec, body
}

// writeJSONList writes, byte for byte, what encoding the whole answer at once
// writes (json.Encoder, as c.JSON does), with the list as its last member,
// compressed or not, however many pieces the list takes.
func TestWriteJSONListIsTheWholeAnswersJSON(t *testing.T) {
	type head struct {
		Answer
		England *queries.Metrics `json:"england"`
		Message string           `json:"message,omitempty"`
	}
	type whole struct {
		head
		Areas []listItem `json:"areas"`
	}
	many := make([]listItem, 3000) // far more than one piece (writeChunk)
	for i := range many {
		many[i] = listItem{Code: fmt.Sprintf("U%05d", i), Rate: queries.Known(float64(i) / 7), Notes: []string{"<b>&</b>"}}
	}
	many[5].Rate = queries.Unknown()
	cases := map[string]whole{
		"many":  {head: head{Answer: Answer{Level: "pcn", DataVersion: "12"}, England: &queries.Metrics{}}, Areas: many},
		"one":   {head: head{Answer: Answer{Level: "icb"}}, Areas: many[:1]},
		"none":  {head: head{Message: noDataMessage}, Areas: []listItem{}},
		"empty": {Areas: nil}, // written [], not null: a list, though empty
	}
	for name, w := range cases {
		items := w.Areas
		if items == nil {
			w.Areas = []listItem{}
		}
		for _, gz := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s gzip=%v", name, gz), func(t *testing.T) {
				var want bytes.Buffer
				if err := json.NewEncoder(&want).Encode(w); err != nil {
					t.Fatal(err)
				}
				rec, got := serveOnce(t, gz, func(c echo.Context) error {
					return writeJSONList(c, http.StatusOK, w.head, "areas", items)
				})
				if rec.Code != http.StatusOK || rec.Header().Get(echo.HeaderContentType) != echo.MIMEApplicationJSON {
					t.Fatalf("status %d, Content-Type %q", rec.Code, rec.Header().Get(echo.HeaderContentType))
				}
				if !bytes.Equal(got, want.Bytes()) {
					t.Fatalf("written %d bytes, the whole's JSON is %d:\n%.300s\nwant\n%.300s", len(got), want.Len(), got, want.Bytes())
				}
			})
		}
	}
	// An empty head (no members of its own) takes the list as its only member.
	_, got := serveOnce(t, false, func(c echo.Context) error {
		return writeJSONList(c, http.StatusOK, struct{}{}, "areas", many[:2])
	})
	var back struct{ Areas []listItem }
	if err := json.Unmarshal(got, &back); err != nil || len(back.Areas) != 2 || back.Areas[1].Code != "U00001" {
		t.Fatalf("an empty head's answer %q: %v", got, err)
	}
}

// A head that is not a JSON object is refused before anything is written, so
// the error still gets its error answer.
func TestWriteJSONListRefusesAHeadThatIsNotAnObject(t *testing.T) {
	for _, h := range []any{[]int{1}, "text", nil} {
		e := echo.New()
		c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
		err := writeJSONList(c, http.StatusOK, h, "areas", []listItem{{Code: "x"}})
		if err == nil || !strings.Contains(err.Error(), "not an object") {
			t.Errorf("head %#v: err %v, want one saying it is not an object", h, err)
		}
		if c.Response().Committed {
			t.Errorf("head %#v: the answer was begun", h)
		}
	}
}

// writeBlob writes the whole page however many pieces it takes, compressed
// or not.
func TestWriteBlobWritesThePageWhole(t *testing.T) {
	page := bytes.Repeat([]byte("<tr><td>U00001</td><td>1.5</td></tr>\n"), 5000) // many pieces
	page = append(page, "end"...)
	for _, gz := range []bool{false, true} {
		rec, got := serveOnce(t, gz, func(c echo.Context) error {
			return writeBlob(c, http.StatusNotFound, echo.MIMETextHTMLCharsetUTF8, page)
		})
		if rec.Code != http.StatusNotFound || rec.Header().Get(echo.HeaderContentType) != echo.MIMETextHTMLCharsetUTF8 {
			t.Errorf("gzip=%v: status %d, Content-Type %q", gz, rec.Code, rec.Header().Get(echo.HeaderContentType))
		}
		if !bytes.Equal(got, page) {
			t.Errorf("gzip=%v: %d bytes read back, %d written", gz, len(got), len(page))
		}
	}
}

// An item that cannot be encoded ends the answer where it is, unfinished
// (not valid JSON), with an error naming it; a client that goes away stops
// the encoding, and the error says so, without the writer waiting for the
// rest.
func TestWriteJSONListStopsOnAnErrorEitherSide(t *testing.T) {
	items := make([]float64, 20000)
	items[15000] = math.NaN() // json: unsupported value
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
	err := writeJSONList(c, http.StatusOK, map[string]int{"n": 1}, "areas", items)
	if err == nil || !strings.Contains(err.Error(), "item 15000") {
		t.Fatalf("err %v, want one naming item 15000", err)
	}
	if json.Valid(rec.Body.Bytes()) || !bytes.HasPrefix(rec.Body.Bytes(), []byte(`{"n":1,"areas":[0,0`)) {
		t.Errorf("the answer (%d bytes) is valid JSON or does not begin as written", rec.Body.Len())
	}

	gone := &failingWriter{ResponseRecorder: httptest.NewRecorder(), after: 3 * writeChunk}
	c = e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), gone)
	done := make(chan error, 1)
	go func() { done <- writeJSONList(c, http.StatusOK, map[string]int{}, "areas", make([]float64, 1_000_000)) }()
	select {
	case err := <-done:
		if !errors.Is(err, errClientGone) {
			t.Errorf("err %v, want the client's", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("writeJSONList did not return after its client went")
	}
}

var errClientGone = errors.New("client gone")

// failingWriter takes after bytes, then fails every write.
type failingWriter struct {
	*httptest.ResponseRecorder
	after, written int
}

func (f *failingWriter) Write(b []byte) (int, error) {
	if f.written+len(b) > f.after {
		return 0, errClientGone
	}
	f.written += len(b)
	return f.ResponseRecorder.Write(b)
}

package dashboard

import (
	"html/template"
	"strings"
	"testing"
)

// rowsTemplate is how the page template wrote a table's rows before
// RowsHTML: html/template's contextual escaping is the reference.
var rowsTemplate = template.Must(template.New("rows").Parse(`
    {{- $rowHeads := .RowHeads}}
    {{- range .Rows}}
      <tr>
      {{- range $i, $c := .}}
        {{- if and $rowHeads (eq $i 0)}}<th scope="row">{{template "cell" $c}}</th>{{else}}<td{{if $c.Num}} class="num"{{end}}>{{template "cell" $c}}</td>{{end}}
      {{- end}}
      </tr>
    {{- end}}
{{- define "cell"}}{{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}`))

// A table's rows are written as html/template wrote them, escaping
// included: text and links with every character it escapes, URLs it
// percent-encodes or refuses, and the dashboard's own links.
func TestTableRowsAsTheTemplateWroteThem(t *testing.T) {
	texts := []string{"", "Biddulph & Lichfield PCN", `<script>alert("x")</script>`, "O'Brien + 1 > 0", "Ynys Môn – 12.5%", "a\x00b", "\xff\xfe bad UTF-8", "1,234"}
	hrefs := []string{"", "/areas/U12345?from=2025-10&to=2026-09&level=pcn", "/areas/a b?q=x\"y'z<>", "javascript:alert(1)", "JAVASCRIPT:x", "https://example.org/a?b=c", "mailto:a@b.c",
		"/x:y/z", "/p%20q%zz%4", "/é?x=ü", "?place=E92000001#top", "data:text/html,hi", "/a+b(c)[d]{e}|f\\g^h`i"}
	var tables []table
	for _, heads := range []bool{false, true} {
		tb := table{RowHeads: heads}
		for i, text := range texts {
			var row []cell
			for j, href := range hrefs {
				row = append(row, cell{Text: text, Href: href, Num: (i+j)%2 == 0})
			}
			tb.Rows = append(tb.Rows, row)
		}
		tables = append(tables, tb, table{RowHeads: heads}, table{RowHeads: heads, Rows: [][]cell{{}, {num("1")}}})
	}
	for i, tb := range tables {
		var want strings.Builder
		if err := rowsTemplate.Execute(&want, tb); err != nil {
			t.Fatal(err)
		}
		if got := string(tb.RowsHTML()); got != want.String() {
			t.Errorf("table %d:\n got %q\nwant %q", i, got, want.String())
		}
	}
}

package dashboard

import (
	"fmt"
	"html/template"
	"strings"
)

// The rows of a data table are written here, not by the page template: a
// national table of PCNs is about 15,000 cells, and html/template's
// reflection and escaper calls per cell took about half of a cold PCN-level
// page (170 ms of 330 ms for /capacity?level=pcn). The output is the one
// the template wrote (TestTableRowsAsTheTemplateWroteThem compares them):
// the same markup, and html/template's own escaping for the two contexts a
// cell has, element text and a double-quoted href.

// RowsHTML is the table's rows, each on its own line as the template
// indented them: a row header's first cell is a th, a number's cell has
// class num, a cell with an Href is a link.
func (t table) RowsHTML() template.HTML {
	var b strings.Builder
	for _, row := range t.Rows {
		b.WriteString("\n      <tr>")
		for i, c := range row {
			switch {
			case t.RowHeads && i == 0:
				b.WriteString(`<th scope="row">`)
			case c.Num:
				b.WriteString(`<td class="num">`)
			default:
				b.WriteString("<td>")
			}
			if c.Href != "" {
				b.WriteString(`<a href="`)
				writeEscaped(&b, normalizeURL(filterURL(c.Href)))
				b.WriteString(`">`)
				writeEscaped(&b, c.Text)
				b.WriteString("</a>")
			} else {
				writeEscaped(&b, c.Text)
			}
			if t.RowHeads && i == 0 {
				b.WriteString("</th>")
			} else {
				b.WriteString("</td>")
			}
		}
		b.WriteString("\n      </tr>")
	}
	return template.HTML(b.String()) // #nosec: every value above is escaped
}

// writeEscaped writes s escaped as html/template escapes text and quoted
// attribute values (its htmlReplacementTable).
func writeEscaped(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var r string
		switch s[i] {
		case 0:
			r = "\uFFFD"
		case '"':
			r = "&#34;"
		case '&':
			r = "&amp;"
		case '\'':
			r = "&#39;"
		case '+':
			r = "&#43;"
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(r)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// filterURL is html/template's filter of a URL's scheme: one other than
// http, https or mailto becomes "#ZgotmplZ" (the dashboard's links are
// paths; this keeps a bad one harmless, as the template did).
func filterURL(s string) string {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") {
		switch strings.ToLower(scheme) {
		case "http", "https", "mailto":
		default:
			return "#ZgotmplZ"
		}
	}
	return s
}

// normalizeURL is html/template's normalization of a URL: bytes outside
// RFC 3986's unreserved and reserved sets are percent-encoded, valid
// escapes kept.
func normalizeURL(s string) string {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0,
			'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue
		}
		if written == 0 {
			b.Grow(len(s) + 16)
		}
		b.WriteString(s[written:i])
		fmt.Fprintf(&b, "%%%02x", c)
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

package etl

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Value is one parsed cell. Which field holds it depends on the column type.
type Value struct {
	Null  bool            // an empty optional value: unknown
	Str   string          // code (upper-cased), text, enum, financial year
	Count uint32          // TypeCount
	Float float64         // TypeDecimal; also TypeCount and TypeMoney, for comparisons
	Month time.Time       // TypeMonth: the first of the month, UTC
	Money decimal.Decimal // TypeMoney
}

// parseValue parses a trimmed, non-empty field. It returns the reason it is
// invalid, or "".
func parseValue(c *Column, s string, v *Value) string {
	switch c.Type {
	case TypeCode:
		return parseCode(s, v)
	case TypeText:
		v.Str = s
		return ""
	case TypeCount:
		return parseCount(s, v)
	case TypeDecimal:
		return parseDecimal(c, s, v)
	case TypeMoney:
		return parseMoney(s, v)
	case TypeMonth:
		return parseMonth(s, v)
	case TypeFinancialYear:
		return parseFinancialYear(s, v)
	case TypeEnum:
		for _, e := range c.Values {
			if s == e {
				v.Str = e
				return ""
			}
		}
		for _, e := range c.Values {
			if asciiEqualFold(s, e) {
				v.Str = e
				return ""
			}
		}
		return "must be one of " + strings.Join(c.Values, ", ")
	}
	return "unknown column type"
}

func parseCode(s string, v *Value) string {
	if len(s) > 16 {
		return "a code has 1 to 16 characters"
	}
	upper := true
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '_', b == '-':
		case b >= 'a' && b <= 'z':
			upper = false
		default:
			return "a code may hold only letters A-Z, digits, _ and -"
		}
	}
	if upper {
		v.Str = s
	} else {
		v.Str = strings.ToUpper(s)
	}
	return ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// asciiEqualFold compares ignoring the case of ASCII letters only, so that
// no other character (a Kelvin sign, say) stands in for a letter.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func parseCount(s string, v *Value) string {
	if strings.HasPrefix(s, "+") && allDigits(s[1:]) {
		s = s[1:] // a plus sign, as decimals may have
	}
	if !allDigits(s) {
		switch {
		case strings.HasPrefix(s, "-") && allDigits(s[1:]):
			return "must be ≥ 0"
		case strings.Contains(s, ",") || strings.Contains(s, "_") || strings.Contains(s, " "):
			return "must be a whole number without thousands separators"
		case isDecimal(s):
			return "must be a whole number"
		}
		return "must be a whole number (base-10 digits)"
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return fmt.Sprintf("is too large (at most %d)", uint32(math.MaxUint32))
	}
	v.Count = uint32(n)
	v.Float = float64(n)
	return ""
}

// isDecimal accepts an optional sign, digits and an optional '.' with digits:
// no exponent, no thousands separators, no NaN or infinity.
func isDecimal(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if hasPoint {
		return (intPart == "" || allDigits(intPart)) && (frac == "" || allDigits(frac)) && intPart+frac != ""
	}
	return allDigits(intPart)
}

func decimalReason(s string) string {
	if strings.Contains(s, ",") {
		return "must be a number with . as the decimal point and no thousands separators"
	}
	return "must be a decimal number such as 12.5"
}

func parseDecimal(c *Column, s string, v *Value) string {
	if !isDecimal(s) {
		return decimalReason(s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return "is out of range"
	}
	if f < 0 {
		if c.HasMax {
			return fmt.Sprintf("must be between 0 and %g", c.Max)
		}
		return "must be ≥ 0"
	}
	if c.HasMax && f > c.Max {
		return fmt.Sprintf("must be between 0 and %g", c.Max)
	}
	v.Float = f + 0 // turns -0 into 0
	return ""
}

// Decimal(18, 2) holds 16 digits before the point.
const maxMoneyDigits = 16

func parseMoney(s string, v *Value) string {
	if !isDecimal(s) {
		return decimalReason(s)
	}
	if strings.HasPrefix(s, "-") && strings.Trim(s, "-0.") != "" {
		return "must be ≥ 0"
	}
	intPart, frac, _ := strings.Cut(strings.TrimLeft(s, "+-"), ".")
	if len(frac) > 2 {
		return "must have at most 2 decimal places"
	}
	if len(strings.TrimLeft(intPart, "0")) > maxMoneyDigits {
		return "is too large"
	}
	d, err := decimal.NewFromString(strings.TrimLeft(s, "+-"))
	if err != nil {
		return decimalReason(s)
	}
	v.Money = d
	v.Float = d.InexactFloat64()
	return ""
}

func twoDigits(s string) (int, bool) {
	if len(s) != 2 || !allDigits(s) {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

func parseMonth(s string, v *Value) string {
	const reason = "must be a month YYYY-MM between 2000-01 and 2099-12"
	if len(s) != 7 || s[4] != '-' || !allDigits(s[:4]) {
		return reason
	}
	year, _ := strconv.Atoi(s[:4])
	month, ok := twoDigits(s[5:])
	if !ok || year < 2000 || year > 2099 || month < 1 || month > 12 {
		return reason
	}
	v.Month = time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
	return ""
}

func parseFinancialYear(s string, v *Value) string {
	const reason = "must be a financial year YYYY-YY, such as 2024-25, between 2000-01 and 2099-00"
	if len(s) != 7 || s[4] != '-' || !allDigits(s[:4]) {
		return reason
	}
	year, _ := strconv.Atoi(s[:4])
	next, ok := twoDigits(s[5:])
	if !ok || year < 2000 || year > 2099 {
		return reason
	}
	if next != (year+1)%100 {
		return fmt.Sprintf("the second year must follow the first: %d-%02d", year, (year+1)%100)
	}
	v.Str = s
	return ""
}

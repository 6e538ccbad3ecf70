// Package users keeps the dashboard's built-in users in a JSON file: each
// user's role, the areas they may see, and a bcrypt hash of their password.
//
// A file rather than a database table: the dashboard reads ClickHouse as a
// read-only user that analysts may share, and password hashes must not be
// readable there. The file is written whole and renamed into place (0600), so
// a reader never sees half of it; the dashboard notices a change within
// seconds (Store), so adding or removing a user needs no restart.
package users

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Role is what a user may do.
type Role string

// The roles (issue 16): a viewer sees pages with disclosure control on; an
// analyst may also download with disclosure control off where the deployment
// allows it; an admin may also see the users, loads and audit (/admin).
const (
	Viewer  Role = "viewer"
	Analyst Role = "analyst"
	Admin   Role = "admin"
)

// Roles lists the roles from least to most allowed.
var Roles = []Role{Viewer, Analyst, Admin}

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(Roles, r) {
		return "", fmt.Errorf("role must be viewer, analyst or admin, got %q", s)
	}
	return r, nil
}

// AtLeast reports whether r allows what other allows.
func (r Role) AtLeast(other Role) bool {
	return slices.Index(Roles, r) >= slices.Index(Roles, other)
}

// User is one user of the dashboard. A user with ICBs or Regions sees only
// those areas (and England's own figures beside them); one with neither sees
// every area.
type User struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
	// PasswordHash is bcrypt's; empty for a user who signs in only through
	// the trusted proxy.
	PasswordHash string   `json:"password_hash,omitempty"`
	ICBs         []string `json:"icbs,omitempty"`
	Regions      []string `json:"regions,omitempty"`
}

// Scoped reports whether the user is limited to some areas.
func (u User) Scoped() bool { return len(u.ICBs) > 0 || len(u.Regions) > 0 }

// Stamp identifies this version of the user's record: a session lasts only
// while its user's record is unchanged (a new password, role or scope, or
// removal, ends it).
func (u User) Stamp() string {
	b, _ := json.Marshal(u)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// ScopeText says which areas the user sees, for lists and logs.
func (u User) ScopeText() string {
	if !u.Scoped() {
		return "all of England"
	}
	var parts []string
	if len(u.Regions) > 0 {
		parts = append(parts, "regions "+strings.Join(u.Regions, ","))
	}
	if len(u.ICBs) > 0 {
		parts = append(parts, "ICBs "+strings.Join(u.ICBs, ","))
	}
	return strings.Join(parts, "; ")
}

var (
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)
	codePattern = regexp.MustCompile(`^[A-Z0-9]{3,9}$`)
)

// Passwords: at least MinPassword characters; at most 72 bytes, bcrypt's limit
// (longer ones are refused rather than silently cut).
const (
	MinPassword = 12
	maxPassword = 72
	// Cost is bcrypt's work factor: about a quarter of a second a sign-in on
	// the 2-core machines measured, which the sign-in rate limit bounds.
	Cost = 12
)

// CheckName refuses user names that would be awkward in logs and headers.
func CheckName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("user name must be 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit, got %q", name)
	}
	return nil
}

// HashPassword hashes a new password with bcrypt at cost.
func HashPassword(password string, cost int) (string, error) {
	if utf8.RuneCountInString(password) < MinPassword {
		return "", fmt.Errorf("the password must be at least %d characters", MinPassword)
	}
	if len(password) > maxPassword {
		return "", fmt.Errorf("the password must be at most %d bytes (bcrypt's limit)", maxPassword)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// Validate checks a record as it is about to be stored or was read.
func (u User) Validate() error {
	if err := CheckName(u.Name); err != nil {
		return err
	}
	if _, err := ParseRole(string(u.Role)); err != nil {
		return fmt.Errorf("user %s: %w", u.Name, err)
	}
	if u.PasswordHash != "" {
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			return fmt.Errorf("user %s: the password hash is not bcrypt's: %w", u.Name, err)
		}
	}
	for _, c := range append(append([]string{}, u.ICBs...), u.Regions...) {
		if !codePattern.MatchString(c) {
			return fmt.Errorf("user %s: area code %q is not an ICB or region code", u.Name, c)
		}
	}
	return nil
}

// file is the JSON document.
type file struct {
	Users []User `json:"users"`
}

// Read reads a users file; a missing file has no users.
func Read(path string) ([]User, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("users file: %w", err)
	}
	return parse(path, b)
}

func parse(path string, b []byte) ([]User, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	seen := map[string]bool{}
	for _, u := range f.Users {
		if err := u.Validate(); err != nil {
			return nil, fmt.Errorf("users file %s: %w", path, err)
		}
		if seen[strings.ToLower(u.Name)] {
			return nil, fmt.Errorf("users file %s: user %s is listed twice", path, u.Name)
		}
		seen[strings.ToLower(u.Name)] = true
	}
	return f.Users, nil
}

// Write replaces the users file whole: written beside it, synced and renamed,
// readable by its owner only.
func Write(path string, list []User) error {
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	b, err := json.MarshalIndent(file{Users: list}, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".users-*.json")
	if err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("users file: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("users file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("users file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	return nil
}

// Find returns the user of that name, in any letter case.
func Find(list []User, name string) (User, bool) {
	for _, u := range list {
		if strings.EqualFold(u.Name, name) {
			return u, true
		}
	}
	return User{}, false
}

// dummyHash is compared against when a user is unknown or has no password,
// so that a failed sign-in takes as long whether or not the name exists.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("spdash: no such user, compare anyway"), Cost)
	return h
})

// Authenticate checks a name and password against the list.
func Authenticate(list []User, name, password string) (User, bool) {
	u, ok := Find(list, name)
	if !ok || u.PasswordHash == "" || len(password) > maxPassword {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return User{}, false
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return User{}, false
	}
	return u, true
}

// Store is a users file as the dashboard reads it: read again when it changes
// on disk, checked at most once every Every.
type Store struct {
	path  string
	every time.Duration
	mu    sync.Mutex
	list  []User
	err   error
	seen  fileState
	at    time.Time // of the last check
}

type fileState struct {
	mod  time.Time
	size int64
}

// DefaultEvery is how often a Store looks at its file.
const DefaultEvery = 2 * time.Second

// NewStore reads the file now; it must exist and be valid.
func NewStore(path string, every time.Duration) (*Store, error) {
	s := &Store{path: path, every: every}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("users file: %w (create it with spdash users add)", err)
	}
	if _, err := s.Users(); err != nil {
		return nil, err
	}
	return s, nil
}

// Users is the current list. A file that became unreadable or invalid is an
// error (every sign-in then fails) rather than the last good list, which
// could still hold a removed user.
func (s *Store) Users() ([]User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.at.IsZero() && time.Since(s.at) < s.every {
		return s.list, s.err
	}
	s.at = time.Now()
	fi, err := os.Stat(s.path)
	if err != nil {
		s.list, s.err = nil, fmt.Errorf("users file: %w", err)
		return nil, s.err
	}
	st := fileState{mod: fi.ModTime(), size: fi.Size()}
	if st == s.seen && s.err == nil && s.list != nil {
		return s.list, nil
	}
	b, err := os.ReadFile(s.path)
	if err == nil {
		s.list, err = parse(s.path, b)
	}
	if err != nil {
		s.list, s.err = nil, err
		return nil, err
	}
	if s.list == nil {
		s.list = []User{}
	}
	s.seen, s.err = st, nil
	return s.list, nil
}

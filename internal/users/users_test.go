package users

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	good := User{Name: "a.b@nhs.net", Role: Analyst, ICBs: []string{"QHM"}, Regions: []string{"Y56"}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, u := range map[string]User{
		"empty name":     {Role: Viewer},
		"space in name":  {Name: "a b", Role: Viewer},
		"long name":      {Name: strings.Repeat("a", 65), Role: Viewer},
		"unknown role":   {Name: "a", Role: "root"},
		"bad hash":       {Name: "a", Role: Viewer, PasswordHash: "plain text"},
		"bad area code":  {Name: "a", Role: Viewer, ICBs: []string{"'; --"}},
		"lowercase code": {Name: "a", Role: Viewer, Regions: []string{"y56"}},
	} {
		if err := u.Validate(); err == nil {
			t.Errorf("%s: valid", name)
		}
	}
}

func TestPasswords(t *testing.T) {
	if _, err := HashPassword("short", 4); err == nil {
		t.Error("a short password hashed")
	}
	if _, err := HashPassword(strings.Repeat("p", 73), 4); err == nil {
		t.Error("a password over bcrypt's 72 bytes hashed (bcrypt would ignore the rest)")
	}
	h, err := HashPassword("twelve chars", 4)
	if err != nil {
		t.Fatal(err)
	}
	list := []User{{Name: "Amy", Role: Viewer, PasswordHash: h}, {Name: "proxy", Role: Viewer}}
	if _, ok := Authenticate(list, "amy", "twelve chars"); !ok {
		t.Error("the right password, the name in another case, refused")
	}
	for _, c := range [][2]string{{"Amy", "twelve chars!"}, {"Amy", ""}, {"nobody", "twelve chars"}, {"proxy", ""}} {
		if _, ok := Authenticate(list, c[0], c[1]); ok {
			t.Errorf("%q / %q accepted", c[0], c[1])
		}
	}
}

func TestStoreFollowsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	if _, err := NewStore(path, 0); err == nil {
		t.Fatal("a store of a missing file")
	}
	if err := Write(path, []User{{Name: "a", Role: Viewer}}); err != nil {
		t.Fatal(err)
	}
	s, err := NewStore(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A change of the same size within the file system's time resolution
	// is still seen: the role differs in length here, and mtime is set.
	if err := Write(path, []User{{Name: "a", Role: Admin}, {Name: "b", Role: Viewer}}); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Second)
	_ = os.Chtimes(path, later, later)
	if list, err := s.Users(); err != nil || len(list) != 2 || list[0].Role != Admin {
		t.Fatalf("after a change: %v %v", list, err)
	}
	// A broken file is an error, not the last good list.
	if err := os.WriteFile(path, []byte(`{"users": [{"name": "a", "role": "viewer"`), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(path, later.Add(time.Second), later.Add(time.Second))
	if list, err := s.Users(); err == nil || list != nil {
		t.Errorf("a broken file: %v %v, want an error", list, err)
	}
	if err := os.WriteFile(path, []byte(`{"users": [], "admins": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(path, later.Add(2*time.Second), later.Add(2*time.Second))
	if _, err := s.Users(); err == nil {
		t.Error("an unknown field accepted")
	}
}

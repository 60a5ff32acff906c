package veenv

import (
	"crypto/ecdh"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The vectors live with the TypeScript tests; this package never writes them.
var vectorDir = filepath.Join("..", "..", "..", "test", "crypto", "vectors")

type vecRecipient struct {
	PrivateKey string `json:"private_key"`
	PublicKey  string `json:"public_key"`
	KeyID      string `json:"key_id"`
	KeyVersion uint32 `json:"key_version"`
}

type positive struct {
	Name         string         `json:"name"`
	Context      Context        `json:"context"`
	ChunkSize    uint32         `json:"chunk_size"`
	Recipients   []vecRecipient `json:"recipients"`
	Plaintext    string         `json:"plaintext"`
	Envelope     string         `json:"envelope"`
	Intermediate struct {
		ContextHash  string `json:"context_hash"`
		HeaderLength int    `json:"header_length"`
	} `json:"intermediate"`
}

type negative struct {
	Name     string `json:"name"`
	Envelope string `json:"envelope"`
	Opener   struct {
		PrivateKey string `json:"private_key"`
	} `json:"opener"`
	Context Context `json:"context"`
	Expect  string  `json:"expect"`
}

func load[T any](t *testing.T, name string) []T {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []T `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) == 0 {
		t.Fatalf("%s has no cases", name)
	}
	return f.Cases
}

func key(t *testing.T, h string) *ecdh.PrivateKey {
	raw, _ := hex.DecodeString(h)
	k, err := ecdh.X25519().NewPrivateKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestVectorsOpen(t *testing.T) {
	for _, c := range load[positive](t, "envelopes.json") {
		env, _ := hex.DecodeString(c.Envelope)
		if got := hex.EncodeToString(c.Context.Hash()); got != c.Intermediate.ContextHash {
			t.Errorf("%s: context hash %s, want %s", c.Name, got, c.Intermediate.ContextHash)
		}
		for _, r := range c.Recipients {
			k := key(t, r.PrivateKey)
			if hex.EncodeToString(k.PublicKey().Bytes()) != r.PublicKey {
				t.Errorf("%s: public key mismatch", c.Name)
			}
			pt, h, err := Open(env, k, c.Context)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if hex.EncodeToString(pt) != c.Plaintext {
				t.Errorf("%s: plaintext differs", c.Name)
			}
			if len(h.Raw) != c.Intermediate.HeaderLength || h.ChunkSize != c.ChunkSize {
				t.Errorf("%s: header length %d chunk %d", c.Name, len(h.Raw), h.ChunkSize)
			}
		}
	}
}

func TestTamperedVectorsRejected(t *testing.T) {
	for _, c := range load[negative](t, "tampered.json") {
		env, _ := hex.DecodeString(c.Envelope)
		_, _, err := Open(env, key(t, c.Opener.PrivateKey), c.Context)
		if err == nil {
			t.Errorf("%s: opened", c.Name)
			continue
		}
		if got := CodeOf(err); got != c.Expect {
			t.Errorf("%s: code %q, want %q (%v)", c.Name, got, c.Expect, err)
		}
	}
}

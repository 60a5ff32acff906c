// veenv-decode opens VEENV envelopes with the independent Go decoder. It reads a JSON list of jobs
// on stdin, [{"envelope": hex, "private_key": hex, "context": {...}}], and writes one result per
// job, [{"ok": true, "plaintext": hex, "recipients": n} | {"ok": false, "code": "..."}], so a test
// in another language can compare both decoders on the same inputs.
package main

import (
	"crypto/ecdh"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/virtengine/virtengine/tools/envelope-decoder-go/veenv"
)

type job struct {
	Envelope   string        `json:"envelope"`
	PrivateKey string        `json:"private_key"`
	Context    veenv.Context `json:"context"`
}

type result struct {
	OK         bool   `json:"ok"`
	Plaintext  string `json:"plaintext"`
	Recipients int    `json:"recipients,omitempty"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message,omitempty"`
}

func run(j job) result {
	env, err := hex.DecodeString(j.Envelope)
	if err != nil {
		return result{Code: "bad_job", Message: err.Error()}
	}
	raw, err := hex.DecodeString(j.PrivateKey)
	if err != nil {
		return result{Code: "bad_job", Message: err.Error()}
	}
	priv, err := ecdh.X25519().NewPrivateKey(raw)
	if err != nil {
		return result{Code: "bad_job", Message: err.Error()}
	}
	pt, h, err := veenv.Open(env, priv, j.Context)
	if err != nil {
		return result{Code: veenv.CodeOf(err), Message: err.Error()}
	}
	return result{OK: true, Plaintext: hex.EncodeToString(pt), Recipients: len(h.Recipients)}
}

func main() {
	var jobs []job
	if err := json.NewDecoder(os.Stdin).Decode(&jobs); err != nil {
		fmt.Fprintln(os.Stderr, "veenv-decode: bad input:", err)
		os.Exit(2)
	}
	out := make([]result, len(jobs))
	for i, j := range jobs {
		out[i] = run(j)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}

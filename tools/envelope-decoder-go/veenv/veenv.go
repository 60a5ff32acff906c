// Package veenv is a second, independent decoder for VEENV v1 envelopes (openapi/envelope-format.md),
// written from the spec with the Go standard library only. It exists to check the TypeScript
// implementation: both must open the checked-in vectors and reject the tampered ones with the same
// error codes.
package veenv

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"unicode/utf8"
)

// Error codes, as in the spec's table of checks.
const (
	Malformed       = "malformed"
	Unsupported     = "unsupported"
	ContextMismatch = "context_mismatch"
	NotARecipient   = "not_a_recipient"
	UnwrapFailed    = "unwrap_failed"
	HeaderMAC       = "header_mac"
	ChunkAuth       = "chunk_auth"
	Truncated       = "truncated"
)

const (
	prefixLen    = 28
	entryLen     = 116
	entryLenV2   = 156 // version 2: the u64 sequence number, and 64 wrapped key bytes instead of 32
	macLen       = 32
	tagLen       = 16
	maxHeaderLen = 256 * 1024
	minChunk     = 64
	maxChunk     = 16 * 1024 * 1024
	maxRecips    = 1024
	maxChunks    = 1 << 32
)

var magic = []byte("VEENV")
var kindRE = regexp.MustCompile(`^[a-z0-9._-]{1,64}$`)

// Error is a decoding failure with its spec code.
type Error struct {
	Code string
	Msg  string
}

func (e *Error) Error() string { return e.Code + ": " + e.Msg }

func fail(code, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// CodeOf returns the spec code of err ("" if it is not an *Error).
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Context names the record an envelope belongs to.
type Context struct {
	Kind     string `json:"kind"`
	RecordID string `json:"record_id"`
	Version  uint64 `json:"version"`
}

func (c Context) encode() []byte {
	var b bytes.Buffer
	b.WriteByte(byte(len(c.Kind)))
	b.WriteString(c.Kind)
	binary.Write(&b, binary.BigEndian, uint16(len(c.RecordID)))
	b.WriteString(c.RecordID)
	binary.Write(&b, binary.BigEndian, c.Version)
	return b.Bytes()
}

// ContextHash is SHA-256("virtengine/envelope/v1/context\0" ‖ context).
func (c Context) Hash() []byte {
	h := sha256.New()
	h.Write([]byte("virtengine/envelope/v1/context\x00"))
	h.Write(c.encode())
	return h.Sum(nil)
}

// Entry is one recipient's wrapped content key.
type Entry struct {
	KeyID        []byte
	KeyVersion   uint32
	EphemeralPub []byte // v2: the sender context's encapsulated key
	Seq          uint64 // v2 only
	WrappedCEK   []byte
}

// Header is a parsed, not yet authenticated, header.
type Header struct {
	Version    byte
	ChunkSize  uint32
	BaseNonce  []byte
	Context    Context
	Recipients []Entry
	MAC        []byte
	Raw        []byte
}

type reader struct {
	b   []byte
	off int
}

var errShort = errors.New("field runs past header_len")

func (r *reader) take(n int) []byte {
	if r.off+n > len(r.b) {
		panic(errShort)
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out
}
func (r *reader) u8() int     { return int(r.take(1)[0]) }
func (r *reader) u16() int    { return int(binary.BigEndian.Uint16(r.take(2))) }
func (r *reader) u32() uint32 { return binary.BigEndian.Uint32(r.take(4)) }
func (r *reader) u64() uint64 { return binary.BigEndian.Uint64(r.take(8)) }

// ParseHeader reads the header at the start of env (checks 1–4 of the spec).
func ParseHeader(env []byte) (h *Header, err error) {
	if len(env) < 12 {
		if !bytes.HasPrefix(magic, env[:min(len(env), len(magic))]) {
			return nil, fail(Malformed, "not a VEENV envelope")
		}
		return nil, fail(Truncated, "input ends inside the fixed prefix")
	}
	if !bytes.Equal(env[:5], magic) {
		return nil, fail(Malformed, "not a VEENV envelope")
	}
	if (env[5] != 1 && env[5] != 2) || env[6] != 1 || env[7] != 0 {
		return nil, fail(Unsupported, "version %d suite %d flags %d", env[5], env[6], env[7])
	}
	el := entryLen
	if env[5] == 2 {
		el = entryLenV2
	}
	hl := int(binary.BigEndian.Uint32(env[8:12]))
	if hl < prefixLen+1+1+2+1+8+2+el+macLen || hl > maxHeaderLen {
		return nil, fail(Malformed, "header_len %d out of range", hl)
	}
	if len(env) < hl {
		return nil, fail(Truncated, "input ends inside the header")
	}
	defer func() {
		if p := recover(); p != nil {
			if p != errShort {
				panic(p)
			}
			h, err = nil, fail(Malformed, "%v", p)
		}
	}()
	r := &reader{b: env[:hl], off: 12}
	h = &Header{Raw: env[:hl], Version: env[5]}
	h.ChunkSize = r.u32()
	if h.ChunkSize < minChunk || h.ChunkSize > maxChunk {
		return nil, fail(Malformed, "chunk_size %d", h.ChunkSize)
	}
	h.BaseNonce = r.take(12)
	h.Context.Kind = string(r.take(r.u8()))
	id := r.take(r.u16())
	h.Context.RecordID = string(id)
	h.Context.Version = r.u64()
	if !kindRE.MatchString(h.Context.Kind) || len(id) < 1 || len(id) > 1024 || !utf8.Valid(id) || h.Context.Version > 1<<53-1 {
		return nil, fail(Malformed, "context out of range")
	}
	n := r.u16()
	if n < 1 || n > maxRecips {
		return nil, fail(Malformed, "%d recipients", n)
	}
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		e := Entry{KeyID: r.take(32), KeyVersion: r.u32(), EphemeralPub: r.take(32)}
		if h.Version == 2 {
			if e.Seq = r.u64(); e.Seq > 1<<53-1 {
				return nil, fail(Malformed, "sequence number out of range")
			}
		}
		if h.Version == 2 {
			e.WrappedCEK = r.take(80)
		} else {
			e.WrappedCEK = r.take(48)
		}
		if seen[string(e.KeyID)] {
			return nil, fail(Malformed, "duplicate key id")
		}
		seen[string(e.KeyID)] = true
		h.Recipients = append(h.Recipients, e)
	}
	h.MAC = r.take(macLen)
	if r.off != hl {
		return nil, fail(Malformed, "header_len does not match its fields")
	}
	return h, nil
}

func gcmOpen(key, nonce, ct, aad []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return aead.Open(nil, nonce, ct, aad)
}

// Open authenticates and decrypts a whole envelope for the holder of priv, who expects ctx.
func Open(env []byte, priv *ecdh.PrivateKey, ctx Context) ([]byte, *Header, error) {
	h, err := ParseHeader(env)
	if err != nil {
		return nil, nil, err
	}
	if h.Context != ctx {
		return nil, nil, fail(ContextMismatch, "envelope is for %+v", h.Context)
	}
	pub := priv.PublicKey().Bytes()
	id := sha256.Sum256(pub)
	var entry *Entry
	for i := range h.Recipients {
		if hmac.Equal(h.Recipients[i].KeyID, id[:]) {
			entry = &h.Recipients[i]
		}
	}
	if entry == nil {
		return nil, nil, fail(NotARecipient, "no entry for this key")
	}
	ctxHash := ctx.Hash()
	unwrapEntry := unwrap
	if h.Version == 2 {
		unwrapEntry = unwrapV2
	}
	cek, err := unwrapEntry(entry, priv, pub, ctxHash)
	if err != nil {
		return nil, nil, fail(UnwrapFailed, "%v", err)
	}
	var payloadKey, macKey []byte
	if h.Version == 2 {
		// v2 wraps payload_key ‖ mac_key themselves; the header MAC also covers the payload key.
		if len(cek) != 64 {
			return nil, nil, fail(UnwrapFailed, "wrapped key of %d bytes", len(cek))
		}
		payloadKey, macKey = cek[:32], cek[32:]
	} else {
		okm, err := hkdf.Key(sha256.New, cek, nil, "virtengine/envelope/v1/keys"+string(ctxHash), 64)
		if err != nil {
			return nil, nil, err
		}
		payloadKey, macKey = okm[:32], okm[32:]
	}
	m := hmac.New(sha256.New, macKey)
	m.Write(h.Raw[:len(h.Raw)-macLen])
	if h.Version == 2 {
		m.Write(payloadKey)
	}
	if !hmac.Equal(m.Sum(nil), h.MAC) {
		return nil, nil, fail(HeaderMAC, "header MAC does not verify")
	}
	pt, err := openChunks(env[len(h.Raw):], h, payloadKey, ctxHash)
	return pt, h, err
}

func unwrap(e *Entry, priv *ecdh.PrivateKey, pub, ctxHash []byte) ([]byte, error) {
	eph, err := ecdh.X25519().NewPublicKey(e.EphemeralPub)
	if err != nil {
		return nil, err
	}
	shared, err := priv.ECDH(eph) // rejects the all-zero output of small-order points
	if err != nil {
		return nil, err
	}
	okm, err := hkdf.Key(sha256.New, shared, append(append([]byte{}, e.EphemeralPub...), pub...),
		"virtengine/envelope/v1/wrap"+string(ctxHash), 44)
	if err != nil {
		return nil, err
	}
	aad := binary.BigEndian.AppendUint32(append([]byte{}, e.KeyID...), e.KeyVersion)
	return gcmOpen(okm[:32], okm[32:], e.WrappedCEK, aad)
}

// unwrapV2 opens a version-2 entry: the sender context's key and base nonce from the shared
// secret, then the entry's sequence number in the nonce and, with the record, in the AAD.
func unwrapV2(e *Entry, priv *ecdh.PrivateKey, pub, ctxHash []byte) ([]byte, error) {
	eph, err := ecdh.X25519().NewPublicKey(e.EphemeralPub)
	if err != nil {
		return nil, err
	}
	shared, err := priv.ECDH(eph)
	if err != nil {
		return nil, err
	}
	okm, err := hkdf.Key(sha256.New, shared, append(append([]byte{}, e.EphemeralPub...), pub...),
		"virtengine/envelope/v2/sender-context", 44)
	if err != nil {
		return nil, err
	}
	nonce := append([]byte{}, okm[32:]...)
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], e.Seq)
	for i := range seq {
		nonce[4+i] ^= seq[i]
	}
	aad := binary.BigEndian.AppendUint32(append([]byte{}, e.KeyID...), e.KeyVersion)
	aad = append(append(aad, seq[:]...), ctxHash...)
	return gcmOpen(okm[:32], nonce, e.WrappedCEK, aad)
}

func openChunks(body []byte, h *Header, key, ctxHash []byte) ([]byte, error) {
	full := int(h.ChunkSize) + tagLen
	nFull := len(body) / full
	if len(body)-nFull*full < tagLen {
		return nil, fail(Truncated, "no final chunk")
	}
	if nFull+1 > maxChunks {
		return nil, fail(Malformed, "too many chunks")
	}
	out := make([]byte, 0, len(body))
	for i := 0; i <= nFull; i++ {
		end := min((i+1)*full, len(body))
		final := i == nFull
		nonce := append([]byte{}, h.BaseNonce...)
		var idx [8]byte
		binary.BigEndian.PutUint64(idx[:], uint64(i))
		for j := 0; j < 8; j++ {
			nonce[4+j] ^= idx[j]
		}
		aad := append(append([]byte{}, ctxHash...), idx[:]...)
		if final {
			aad = append(aad, 1)
		} else {
			aad = append(aad, 0)
		}
		pt, err := gcmOpen(key, nonce, body[i*full:end], aad)
		if err != nil {
			return nil, fail(ChunkAuth, "chunk %d does not authenticate", i)
		}
		out = append(out, pt...)
	}
	return out, nil
}

package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/trailhound/trailhound/investigation"
)

// ArtifactVersion is the layout SaveArtifact writes; see ThreadStateVersion
// for when it changes.
const ArtifactVersion = 1

const (
	// DefaultMaxArtifactBytes caps an artifact's compressed size in Redis.
	DefaultMaxArtifactBytes = 512 << 10
	// MaxArtifactJSONBytes bounds how much LoadArtifact will decompress, so
	// a corrupt or hostile value cannot exhaust memory.
	MaxArtifactJSONBytes = 64 << 20
	// shrinkRounds bounds the drop-and-recompress loop of SaveArtifact.
	shrinkRounds = 16
	// shrinkMargin aims below the cap, since compression ratios shift as
	// payloads are dropped.
	shrinkMargin = 0.9
)

// StepKind says what a replay step recorded.
type StepKind string

const (
	StepToolCall  StepKind = "tool_call"  // a read-only tool or AWS call
	StepModelTurn StepKind = "model_turn" // one model request and its answer
)

// Step is one recorded tool call or model turn. Input and Output are JSON.
type Step struct {
	Kind     StepKind        `json:"kind"`
	Name     string          `json:"name"`
	Input    json.RawMessage `json:"input,omitempty"`
	Output   json.RawMessage `json:"output,omitempty"`
	Started  time.Time       `json:"started"`
	Duration time.Duration   `json:"duration_ns"`
	Error    string          `json:"error,omitempty"`
	// InputDroppedBytes and OutputDroppedBytes are set when the payload was
	// dropped to fit the artifact size cap: its size before dropping.
	InputDroppedBytes  int `json:"input_dropped_bytes,omitempty"`
	OutputDroppedBytes int `json:"output_dropped_bytes,omitempty"`
}

// Artifact is everything needed to replay and audit one triage.
type Artifact struct {
	Version   int                  `json:"version"`
	ID        string               `json:"id"`
	CreatedAt time.Time            `json:"created_at"`
	Report    investigation.Report `json:"report"`
	Steps     []Step               `json:"steps"`
	// Truncated is set when payloads were dropped to fit the size cap.
	Truncated    bool `json:"truncated,omitempty"`
	DroppedBytes int  `json:"dropped_bytes,omitempty"`
}

// NewArtifactID returns a fresh artifact id, for a report that must name
// its artifact before the artifact is saved.
func NewArtifactID() string {
	return strings.ToLower(rand.Text()[:16])
}

func validateArtifactID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("artifact id %q must be 1 to 64 characters", id)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("artifact id %q: only a-z, 0-9, '-' and '_' are allowed", id)
		}
	}
	return nil
}

func (s *Store) artifactKey(id string) string { return s.key("artifact", id) }

// SaveArtifact stores a gzip-compressed artifact for Options.ArtifactTTL and
// returns its id: a.ID, else a.Report.ArtifactID, else a new one.
//
// An artifact whose compressed size exceeds Options.MaxArtifactBytes loses
// step payloads, the largest outputs first and then the largest inputs,
// until it fits; those steps record the dropped sizes and the artifact is
// marked Truncated. The report and the list of steps are always kept; if
// they alone do not fit, nothing is stored and an error says so.
func (s *Store) SaveArtifact(ctx context.Context, a Artifact) (string, error) {
	switch {
	case a.ID == "" && a.Report.ArtifactID == "":
		a.ID = NewArtifactID()
	case a.ID == "":
		a.ID = a.Report.ArtifactID
	case a.Report.ArtifactID != "" && a.Report.ArtifactID != a.ID:
		return "", fmt.Errorf("save artifact: id %q differs from the report's artifact id %q", a.ID, a.Report.ArtifactID)
	}
	if err := validateArtifactID(a.ID); err != nil {
		return "", fmt.Errorf("save artifact: %w", err)
	}
	a.Report.ArtifactID = a.ID
	a.Version = ArtifactVersion
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now().UTC()
	}
	for i, st := range a.Steps {
		if err := st.validate(); err != nil {
			return "", fmt.Errorf("save artifact %s: step %d: %w", a.ID, i, err)
		}
	}
	a.Steps = slices.Clone(a.Steps) // payloads may be dropped below; the caller's steps stay intact
	data, err := fitArtifact(&a, s.opts.MaxArtifactBytes)
	if err != nil {
		return "", fmt.Errorf("save artifact %s: %w", a.ID, err)
	}
	err = s.do(ctx, "save artifact "+a.ID, func(ctx context.Context) error {
		return s.rdb.Set(ctx, s.artifactKey(a.ID), data, s.opts.ArtifactTTL).Err()
	})
	if err != nil {
		return "", err
	}
	return a.ID, nil
}

func (st Step) validate() error {
	switch {
	case st.Kind == "":
		return fmt.Errorf("%q has no kind", st.Name)
	case len(st.Input) > 0 && !json.Valid(st.Input):
		return fmt.Errorf("%s %q: input is not valid JSON", st.Kind, st.Name)
	case len(st.Output) > 0 && !json.Valid(st.Output):
		return fmt.Errorf("%s %q: output is not valid JSON", st.Kind, st.Name)
	}
	return nil
}

// fitArtifact encodes a, dropping payloads while it is over limit.
func fitArtifact(a *Artifact, limit int) ([]byte, error) {
	data, rawLen, err := encodeArtifact(a)
	if err != nil {
		return nil, err
	}
	for round := 0; len(data) > limit && round < shrinkRounds; round++ {
		// Estimate how much JSON must go from the current compression ratio.
		ratio := float64(len(data)) / float64(rawLen)
		excess := rawLen - int(float64(limit)/ratio*shrinkMargin)
		freed := dropLargestPayloads(a.Steps, excess)
		if freed == 0 {
			break
		}
		a.Truncated = true
		a.DroppedBytes += freed
		if data, rawLen, err = encodeArtifact(a); err != nil {
			return nil, err
		}
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%d bytes compressed with every step payload dropped, over the %d-byte limit", len(data), limit)
	}
	return data, nil
}

// dropLargestPayloads drops step outputs, largest first, then inputs, until
// at least want bytes are gone (at least one payload when any is left). It
// returns the bytes dropped.
func dropLargestPayloads(steps []Step, want int) int {
	type payload struct {
		step   int
		output bool
		size   int
	}
	var outputs, inputs []payload
	for i, st := range steps {
		if len(st.Output) > 0 {
			outputs = append(outputs, payload{i, true, len(st.Output)})
		}
		if len(st.Input) > 0 {
			inputs = append(inputs, payload{i, false, len(st.Input)})
		}
	}
	bySizeDesc := func(a, b payload) int { return b.size - a.size }
	slices.SortStableFunc(outputs, bySizeDesc)
	slices.SortStableFunc(inputs, bySizeDesc)
	freed := 0
	for _, p := range append(outputs, inputs...) {
		if freed > 0 && freed >= want {
			break
		}
		st := &steps[p.step]
		if p.output {
			st.OutputDroppedBytes, st.Output = p.size, nil
		} else {
			st.InputDroppedBytes, st.Input = p.size, nil
		}
		freed += p.size
	}
	return freed
}

func encodeArtifact(a *Artifact) (data []byte, rawLen int, err error) {
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, 0, fmt.Errorf("encode: %w", err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, 0, fmt.Errorf("compress: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, 0, fmt.Errorf("compress: %w", err)
	}
	return buf.Bytes(), len(raw), nil
}

// LoadArtifact returns a stored artifact, or ErrNotFound.
func (s *Store) LoadArtifact(ctx context.Context, id string) (Artifact, error) {
	if err := validateArtifactID(id); err != nil {
		return Artifact{}, fmt.Errorf("load artifact: %w", err)
	}
	var data []byte
	err := s.do(ctx, "load artifact "+id, func(ctx context.Context) error {
		var err error
		data, err = s.rdb.Get(ctx, s.artifactKey(id)).Bytes()
		if errors.Is(err, redis.Nil) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return Artifact{}, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return Artifact{}, fmt.Errorf("load artifact %s: decompress: %w", id, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, MaxArtifactJSONBytes+1))
	if err != nil {
		return Artifact{}, fmt.Errorf("load artifact %s: decompress: %w", id, err)
	}
	if len(raw) > MaxArtifactJSONBytes {
		return Artifact{}, fmt.Errorf("load artifact %s: more than %d bytes once decompressed", id, MaxArtifactJSONBytes)
	}
	var a Artifact
	if err := json.Unmarshal(raw, &a); err != nil {
		return Artifact{}, fmt.Errorf("load artifact %s: decode: %w", id, err)
	}
	if a.Version < 1 || a.Version > ArtifactVersion {
		return Artifact{}, fmt.Errorf("load artifact %s: layout version %d, this build reads 1 to %d", id, a.Version, ArtifactVersion)
	}
	return a, nil
}

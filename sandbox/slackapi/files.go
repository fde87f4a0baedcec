package slackapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Files as Slack's current upload flow takes them: files.getUploadURLExternal
// reserves a file id and an upload URL for a declared length, the client
// posts the bytes there, and files.completeUploadExternal shares the
// uploaded files in a channel or thread as one message.

const (
	slackUploadPath = "/upload/v1/"
	// slackMaxUpload bounds one file; Slack's own bound is far larger, but a
	// sandbox holds files in memory.
	slackMaxUpload = 16 << 20
)

type slackUpload struct {
	file     File
	length   int
	uploaded bool
	shared   bool
}

func (s *Server) filesGetUploadURLExternal(args url.Values) slackReply {
	name := strings.TrimSpace(args.Get("filename"))
	length, err := strconv.Atoi(args.Get("length"))
	switch {
	case name == "":
		return slackErr("invalid_arguments", "filename is required")
	case err != nil || length <= 0:
		return slackErr("invalid_arguments", "length must be a positive number of bytes")
	case length > slackMaxUpload:
		return slackErr("file_too_large")
	}
	if alt := args.Get("alt_txt"); len([]rune(alt)) > 1000 {
		return slackErr("invalid_arguments", "alt_txt is longer than 1000 characters")
	}
	if s.uploads == nil {
		s.uploads = map[string]*slackUpload{}
	}
	s.seq++
	id := "F" + strings.ToUpper(slackRandomHex(5)) + strconv.Itoa(s.seq)
	s.uploads[id] = &slackUpload{file: File{ID: id, Name: name, AltText: args.Get("alt_txt")}, length: length}
	return slackOK(map[string]any{"upload_url": s.baseURL + slackUploadPath + id, "file_id": id})
}

// serveUpload takes the bytes of a reserved file, as a multipart form's file
// part or as the raw body.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST the file", http.StatusMethodNotAllowed)
		return
	}
	data, err := readUpload(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	up := s.uploads[id]
	switch {
	case up == nil:
		http.NotFound(w, r)
		return
	case up.shared:
		http.Error(w, "file already shared", http.StatusConflict)
		return
	case len(data) != up.length:
		http.Error(w, "length differs from the one declared", http.StatusBadRequest)
		return
	}
	up.file.Data, up.uploaded = data, true
	_, _ = io.WriteString(w, "OK - "+strconv.Itoa(len(data)))
}

func readUpload(r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(nil, r.Body, slackMaxUpload+1<<20)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		r.Body = body
		if err := r.ParseMultipartForm(slackMaxUpload); err != nil {
			return nil, err
		}
		fhs := r.MultipartForm.File["file"]
		if len(fhs) != 1 {
			return nil, errors.New("the form holds no file part named \"file\"")
		}
		f, err := fhs[0].Open()
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(f)
	}
	return io.ReadAll(body)
}

func (s *Server) filesCompleteUploadExternal(args url.Values) slackReply {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(args.Get("files")), &files); err != nil || len(files) == 0 {
		return slackErr("invalid_arguments", "files must be a JSON array of {id, title}")
	}
	var shared []File
	for _, f := range files {
		up := s.uploads[f.ID]
		if up == nil || !up.uploaded || up.shared {
			return slackErr("file_not_found")
		}
		up.file.Title = f.Title
		shared = append(shared, up.file)
	}
	channel := args.Get("channel_id")
	if channel != "" {
		ch, reply := s.postableChannel(channel)
		if reply.body != nil {
			return reply
		}
		st := s.state[ch.ID]
		m := &Message{Channel: ch.ID, User: s.opts.BotUserID, BotID: s.opts.BotID, Text: args.Get("initial_comment"),
			ThreadTS: args.Get("thread_ts"), Files: shared}
		if m.ThreadTS != "" && st.byTS[m.ThreadTS] == nil {
			return slackErr("thread_not_found")
		}
		s.storeLocked(ch, m)
	}
	out := make([]map[string]any, 0, len(shared))
	for _, f := range files {
		s.uploads[f.ID].shared = true
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	return slackOK(map[string]any{"files": out})
}

func wireFiles(fs []File) []map[string]any {
	out := make([]map[string]any, 0, len(fs))
	for _, f := range fs {
		out = append(out, map[string]any{"id": f.ID, "name": f.Name, "title": f.Title, "alt_txt": f.AltText,
			"size": len(f.Data), "mimetype": mime.TypeByExtension(extOf(f.Name))})
	}
	return out
}

func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

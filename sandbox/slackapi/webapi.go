package slackapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// slackMaxBody bounds a Web API request body; Slack refuses far smaller
	// messages long before this.
	slackMaxBody = 4 << 20
	// slackMaxTextChars is the longest top-level text chat.postMessage takes.
	slackMaxTextChars = 40000
	// slackTriggerTTL is how long a trigger_id can open a view.
	slackTriggerTTL = 3 * time.Second
	// slackMaxModalBlocks is the block limit of a modal view.
	slackMaxModalBlocks = 100
	// slackMaxModalTitle is the longest modal title.
	slackMaxModalTitle = 24
)

// slackReply is a Web API answer: the HTTP status, Retry-After for a 429, and
// the JSON body.
type slackReply struct {
	status     int
	retryAfter time.Duration
	body       map[string]any
}

func slackOK(fields map[string]any) slackReply {
	body := map[string]any{"ok": true}
	for k, v := range fields {
		body[k] = v
	}
	return slackReply{status: http.StatusOK, body: body}
}

// slackErr answers ok:false with code; messages, when given, are reported the
// way Slack reports invalid blocks: in errors and in response_metadata.
func slackErr(code string, messages ...string) slackReply {
	body := map[string]any{"ok": false, "error": code}
	if len(messages) > 0 {
		meta := make([]string, len(messages))
		for i, m := range messages {
			meta[i] = "[ERROR] " + m
		}
		body["errors"] = messages
		body["response_metadata"] = map[string]any{"messages": meta}
	}
	return slackReply{status: http.StatusOK, body: body}
}

func slackRateLimited(retryAfter time.Duration) slackReply {
	return slackReply{
		status:     http.StatusTooManyRequests,
		retryAfter: retryAfter,
		body:       map[string]any{"ok": false, "error": "ratelimited"},
	}
}

type slackMethod func(s *Server, args url.Values) slackReply

// slackMethods are the Web API methods the workspace answers; each runs with
// s.mu held.
var slackMethods = map[string]slackMethod{
	"auth.test":                    (*Server).authTest,
	"apps.connections.open":        (*Server).appsConnectionsOpen,
	"chat.postMessage":             (*Server).chatPostMessage,
	"chat.update":                  (*Server).chatUpdate,
	"chat.postEphemeral":           (*Server).chatPostEphemeral,
	"chat.getPermalink":            (*Server).chatGetPermalink,
	"files.getUploadURLExternal":   (*Server).filesGetUploadURLExternal,
	"files.completeUploadExternal": (*Server).filesCompleteUploadExternal,
	"views.publish":                (*Server).viewsPublish,
	"conversations.history":        (*Server).conversationsHistory,
	"conversations.replies":        (*Server).conversationsReplies,
	"conversations.info":           (*Server).conversationsInfo,
	"users.info":                   (*Server).usersInfo,
	"reactions.add":                (*Server).reactionsAdd,
	"views.open":                   (*Server).viewsOpen,
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, method string) {
	started := time.Now()
	args, token, parseErr := slackReadArgs(w, r)
	if !s.delay(r, method) {
		return
	}

	s.mu.Lock()
	var reply slackReply
	handler, known := slackMethods[method]
	switch {
	case parseErr != nil:
		reply = slackErr(parseErr.Error())
	case !known:
		reply = slackErr("unknown_method")
	default:
		reply = s.authorize(method, token)
		if reply.body == nil {
			reply = s.takeFault(method)
		}
		if reply.body == nil {
			reply = handler(s, args)
		}
	}
	code, _ := reply.body["error"].(string)
	s.calls = append(s.calls, Call{Method: method, Args: args, At: started, Status: reply.status, Error: code})
	s.notifyLocked()
	s.mu.Unlock()
	writeSlackReply(w, reply)
}

// delay holds the answer for the latency set on method; false when the
// request or the workspace ended meanwhile.
func (s *Server) delay(r *http.Request, method string) bool {
	s.mu.Lock()
	d, ok := s.latency[method]
	if !ok {
		d = s.latency[""]
	}
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.ctx.Done():
	}
	return false
}

func writeSlackReply(w http.ResponseWriter, reply slackReply) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if reply.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(reply.retryAfter.Seconds()))))
	}
	w.WriteHeader(reply.status)
	_ = json.NewEncoder(w).Encode(reply.body)
}

// slackReadArgs gathers the arguments the way Slack accepts them: query
// string, url-encoded or multipart form, or a JSON object (whose non-string
// values are kept as JSON text, so blocks read the same either way). The token
// comes from the Authorization header or, failing that, a token argument.
func slackReadArgs(w http.ResponseWriter, r *http.Request) (url.Values, string, error) {
	args := cloneValues(r.URL.Query())
	if r.Method != http.MethodGet && r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, slackMaxBody)
		ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch ctype {
		case "application/json":
			if err := slackReadJSONArgs(r.Body, args); err != nil {
				return args, "", err
			}
		case "multipart/form-data":
			if err := r.ParseMultipartForm(slackMaxBody); err != nil {
				return args, "", errors.New("invalid_form_data")
			}
			for k, vs := range r.MultipartForm.Value {
				args[k] = vs
			}
		default:
			if err := r.ParseForm(); err != nil {
				return args, "", errors.New("invalid_form_data")
			}
			for k, vs := range r.PostForm {
				args[k] = vs
			}
		}
	}
	token := args.Get("token")
	args.Del("token")
	if h := r.Header.Get("Authorization"); h != "" {
		token = strings.TrimPrefix(h, "Bearer ")
	}
	return args, token, nil
}

func slackReadJSONArgs(body io.Reader, args url.Values) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return errors.New("invalid_json")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return errors.New("invalid_json")
	}
	for k, raw := range obj {
		var str string
		switch {
		case json.Unmarshal(raw, &str) == nil:
			args.Set(k, str)
		case string(raw) == "null":
		default:
			args.Set(k, string(raw))
		}
	}
	return nil
}

// authorize checks the token against the one the method wants: the app-level
// token for apps.connections.open, the bot token for everything else.
func (s *Server) authorize(method, token string) slackReply {
	want, other := s.opts.BotToken, s.opts.AppToken
	if method == "apps.connections.open" {
		want, other = other, want
	}
	switch token {
	case "":
		return slackErr("not_authed")
	case want:
		return slackReply{}
	case other:
		return slackErr("not_allowed_token_type")
	default:
		return slackErr("invalid_auth")
	}
}

// takeFault pops the next forced fault of method, if any.
func (s *Server) takeFault(method string) slackReply {
	queue := s.faults[method]
	if len(queue) == 0 {
		return slackReply{}
	}
	f := queue[0]
	s.faults[method] = queue[1:]
	if f.retryAfter > 0 {
		return slackRateLimited(f.retryAfter)
	}
	return slackErr(f.code)
}

func (s *Server) authTest(url.Values) slackReply {
	return slackOK(map[string]any{
		"url":                   "https://" + s.opts.TeamDomain + ".slack.com/",
		"team":                  s.opts.TeamName,
		"user":                  s.opts.BotName,
		"team_id":               s.opts.TeamID,
		"user_id":               s.opts.BotUserID,
		"bot_id":                s.opts.BotID,
		"is_enterprise_install": false,
	})
}

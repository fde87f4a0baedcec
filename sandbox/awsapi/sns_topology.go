package awsapi

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// SNS GetTopicAttributes, ListSubscriptionsByTopic and
// GetSubscriptionAttributes over topology.json: topics with the attributes
// their configuration records (Config keeps GetTopicAttributes' names), and
// the subscriptions their configuration, AWS::SNS::Subscription items and
// queues "subscribed to" them name.

type snsTopic struct {
	arn   string
	attrs map[string]string
	subs  []map[string]string // each subscription's attributes
}

// snsHandler routes Publish to the alarm pipeline and the reads to topology.
type snsHandler struct {
	publish http.Handler
	reads   *queryService
}

func (h *snsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	if _, ok := h.reads.ops[form.Get("Action")]; ok {
		h.reads.ServeHTTP(w, r)
		return
	}
	h.publish.ServeHTTP(w, r)
}

func (a *Emulator) mountSNS() {
	topics := loadSNSTopics(a.sc)
	a.services["sns"] = &snsHandler{
		publish: http.HandlerFunc(a.serveSNS),
		reads: &queryService{a: a, service: "sns", version: "2010-03-31", xmlns: snsNamespace, ops: map[string]queryOp{
			"GetTopicAttributes":        topics.getTopicAttributes,
			"ListSubscriptionsByTopic":  topics.listSubscriptionsByTopic,
			"GetSubscriptionAttributes": topics.getSubscriptionAttributes,
		}},
	}
}

type snsTopics map[string]*snsTopic // by ARN

func loadSNSTopics(sc *scenario.Scenario) snsTopics {
	topics := snsTopics{}
	topic := func(arn string) *snsTopic {
		if topics[arn] == nil {
			topics[arn] = &snsTopic{arn: arn, attrs: map[string]string{"TopicArn": arn, "Owner": sc.Meta.Account}}
		}
		return topics[arn]
	}
	for i := range sc.Topology.Resources {
		it := &sc.Topology.Resources[i]
		conf := snsConfig(it)
		switch it.Type {
		case "AWS::SNS::Topic":
			t := topic(orDefault(it.ARN, it.ID))
			var subs []map[string]string
			if raw, ok := conf["Subscriptions"]; ok {
				_ = json.Unmarshal([]byte(raw), &subs)
				delete(conf, "Subscriptions")
			}
			for k, v := range conf {
				t.attrs[k] = v
			}
			for _, s := range subs {
				t.addSub(s)
			}
		case "AWS::SNS::Subscription":
			conf["SubscriptionArn"] = orDefault(conf["SubscriptionArn"], orDefault(it.ARN, it.ID))
			if conf["TopicArn"] != "" {
				topic(conf["TopicArn"]).addSub(conf)
			}
		}
	}
	// Queues that say they are subscribed add what the topics did not list.
	for i := range sc.Topology.Resources {
		it := &sc.Topology.Resources[i]
		if it.Type != "AWS::SQS::Queue" || it.ARN == "" {
			continue
		}
		for _, rel := range it.Relationships {
			if rel.Type == "AWS::SNS::Topic" && strings.Contains(rel.Name, "subscribed") {
				arn := orDefault(rel.ARN, rel.ID)
				topic(arn).addSub(map[string]string{"Protocol": "sqs", "Endpoint": it.ARN, "SubscriptionArn": arn + ":" + stableUUID(arn+it.ARN)})
			}
		}
	}
	return topics
}

// snsConfig reads an item's configuration as string attributes.
func snsConfig(it *scenario.ConfigItem) map[string]string {
	out := map[string]string{}
	var raw map[string]json.RawMessage
	if conf, err := configurationText(it); err != nil || conf == "" || json.Unmarshal([]byte(conf), &raw) != nil {
		return out
	}
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return out
}

// addSub adds a subscription unless one to the same endpoint is known.
func (t *snsTopic) addSub(s map[string]string) {
	for _, known := range t.subs {
		if known["Endpoint"] == s["Endpoint"] && known["Protocol"] == s["Protocol"] {
			for k, v := range s {
				known[k] = orDefault(known[k], v)
			}
			return
		}
	}
	s["TopicArn"] = t.arn
	t.subs = append(t.subs, s)
}

func (t snsTopics) find(arn string) (*snsTopic, *apiError) {
	switch {
	case arn == "":
		return nil, clientError("InvalidParameter", "Invalid parameter: TopicArn")
	case t[arn] == nil:
		return nil, &apiError{status: http.StatusNotFound, code: "NotFound", msg: "Topic does not exist"}
	}
	return t[arn], nil
}

func (t snsTopics) getTopicAttributes(_ *http.Request, f queryForm) (any, *apiError) {
	topic, apiErr := t.find(f.get("TopicArn"))
	if apiErr != nil {
		return nil, apiErr
	}
	return struct {
		Attributes queryAttributes `xml:"Attributes"`
	}{queryAttributes(topic.attrs)}, nil
}

type snsSubscriptionOut struct {
	SubscriptionArn, Owner, Protocol, Endpoint, TopicArn string
}

func (t snsTopics) listSubscriptionsByTopic(_ *http.Request, f queryForm) (any, *apiError) {
	topic, apiErr := t.find(f.get("TopicArn"))
	if apiErr != nil {
		return nil, apiErr
	}
	out := []snsSubscriptionOut{}
	for _, s := range topic.subs {
		out = append(out, snsSubscriptionOut{SubscriptionArn: s["SubscriptionArn"], Owner: topic.attrs["Owner"], Protocol: s["Protocol"], Endpoint: s["Endpoint"], TopicArn: topic.arn})
	}
	return struct {
		Subscriptions []snsSubscriptionOut `xml:"Subscriptions>member"`
	}{out}, nil
}

func (t snsTopics) getSubscriptionAttributes(_ *http.Request, f queryForm) (any, *apiError) {
	arn := f.get("SubscriptionArn")
	for _, topic := range t {
		for _, s := range topic.subs {
			if s["SubscriptionArn"] != arn {
				continue
			}
			attrs := map[string]string{"Owner": topic.attrs["Owner"], "PendingConfirmation": "false", "ConfirmationWasAuthenticated": "true", "RawMessageDelivery": "false"}
			for k, v := range s {
				attrs[k] = v
			}
			return struct {
				Attributes queryAttributes `xml:"Attributes"`
			}{queryAttributes(attrs)}, nil
		}
	}
	return nil, &apiError{status: http.StatusNotFound, code: "NotFound", msg: "Subscription does not exist"}
}

// queryAttributes is an awsQuery map: <entry><key/><value/></entry>, in key order.
type queryAttributes map[string]string

func (m queryAttributes) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	type entry struct {
		Key   string `xml:"key"`
		Value string `xml:"value"`
	}
	entries := make([]entry, 0, len(keys))
	for _, k := range keys {
		entries = append(entries, entry{k, m[k]})
	}
	return e.EncodeElement(struct {
		Entries []entry `xml:"entry"`
	}{entries}, start)
}

// stableUUID is a UUID-shaped id derived from s, so a derived resource keeps
// its id from one run to the next.
func stableUUID(s string) string {
	h := fnv.New128a()
	_, _ = h.Write([]byte(s))
	x := hex.EncodeToString(h.Sum(nil))
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

package awsapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// API Gateway REST API reads (restJson) over topology.json: GetRestApi,
// GetStages and GetStage (from AWS::ApiGateway::Stage items and the API's
// recorded stages), GetAuthorizers, GetResources and GetIntegration (from the
// resources and methods the API's configuration records).

// apigwTimeMembers are the timestamp members of RestApi, Stage and Resource.
var apigwTimeMembers = []string{"createdDate", "lastUpdatedDate"}

func (inv *inventory) mountAPIGateway() {
	mux := http.NewServeMux()
	routes := map[string]func(*http.Request, map[string]any) (any, *apiError){
		"GET /restapis/{api}":                                                   func(_ *http.Request, api map[string]any) (any, *apiError) { return apigwPublic(api), nil },
		"GET /restapis/{api}/stages":                                            func(_ *http.Request, api map[string]any) (any, *apiError) { return apigwItems(api["stages"]), nil },
		"GET /restapis/{api}/stages/{stage}":                                    apigwStage,
		"GET /restapis/{api}/authorizers":                                       func(_ *http.Request, api map[string]any) (any, *apiError) { return apigwItems(api["authorizers"]), nil },
		"GET /restapis/{api}/resources":                                         func(_ *http.Request, api map[string]any) (any, *apiError) { return apigwItems(api["resources"]), nil },
		"GET /restapis/{api}/resources/{resource}/methods/{method}/integration": apigwIntegration,
	}
	for pattern, handle := range routes {
		op := apigwOperation(pattern)
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if !inv.a.begin(w, r, "apigateway:"+op, writeAPIGatewayError) {
				return
			}
			api, apiErr := inv.restAPI(r.PathValue("api"), inv.a.requestRegion(r))
			var out any
			if apiErr == nil {
				out, apiErr = handle(r, api)
			}
			if apiErr != nil {
				writeAPIGatewayError(w, apiErr.status, apiErr.code, apiErr.msg)
				return
			}
			writeLambdaJSON(w, out)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIGatewayError(w, http.StatusNotFound, "NotFoundException", "sandbox apigateway does not serve "+r.Method+" "+r.URL.Path)
	})
	inv.a.services["apigateway"] = mux
}

// apigwOperation names a route by the operation it answers.
func apigwOperation(pattern string) string {
	switch {
	case strings.HasSuffix(pattern, "/integration"):
		return "GetIntegration"
	case strings.HasSuffix(pattern, "{stage}"):
		return "GetStage"
	case strings.HasSuffix(pattern, "{api}"):
		return "GetRestApi"
	}
	last := pattern[strings.LastIndex(pattern, "/")+1:]
	return "Get" + strings.ToUpper(last[:1]) + last[1:]
}

// restAPI is the API's configuration with its stages, resources and
// authorizers gathered, times in epoch seconds.
func (inv *inventory) restAPI(id, region string) (map[string]any, *apiError) {
	for _, it := range inv.ofType("AWS::ApiGateway::RestApi", region) {
		api, err := apigwConfig(it)
		if err != nil {
			return nil, badTopology(err)
		}
		if own, _ := api["id"].(string); own != id && it.ID != id {
			continue
		}
		api["id"] = id
		for _, st := range inv.ofType("AWS::ApiGateway::Stage", region) {
			stage, err := apigwConfig(st)
			if err != nil {
				return nil, badTopology(err)
			}
			if stage["restApiId"] == id || strings.HasPrefix(st.ID, id+"/") {
				api["stages"] = apigwMergeStage(api["stages"], stage)
			}
		}
		for _, res := range asList(api["resources"]) {
			if m, ok := res.(map[string]any); ok && m["id"] == nil {
				m["id"] = strings.ReplaceAll(stableUUID(id+fmt.Sprint(m["path"])), "-", "")[:10]
			}
		}
		return api, nil
	}
	return nil, &apiError{status: http.StatusNotFound, code: "NotFoundException", msg: "Invalid API identifier specified " + inv.account + ":" + id}
}

func apigwConfig(it *scenario.ConfigItem) (map[string]any, error) {
	m := map[string]any{}
	if err := decodeConfiguration(it, &m); err != nil {
		return nil, err
	}
	if id, ok := m["restApiId"]; ok && m["stageName"] == nil {
		m["id"] = id
		delete(m, "restApiId")
	}
	if err := epochTimes(m, apigwTimeMembers); err != nil {
		return nil, fmt.Errorf("topology.json: %s %s: %w", it.Type, it.ID, err)
	}
	return m, nil
}

// apigwMergeStage adds stage to the API's recorded stages, the item's
// fields over the recorded ones.
func apigwMergeStage(stages any, stage map[string]any) []any {
	delete(stage, "restApiId")
	list := asList(stages)
	if stages == nil {
		list = nil
	}
	for _, s := range list {
		if m, ok := s.(map[string]any); ok && m["stageName"] == stage["stageName"] {
			for k, v := range stage {
				m[k] = v
			}
			return list
		}
	}
	return append(list, stage)
}

// apigwPublic is GetRestApi's answer: the API without its children.
func apigwPublic(api map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range api {
		switch k {
		case "stages", "resources", "authorizers", "usagePlans", "customDomain":
		default:
			out[k] = v
		}
	}
	return out
}

func apigwItems(v any) map[string]any {
	items := asList(v)
	if v == nil {
		items = []any{}
	}
	return map[string]any{"item": items}
}

func apigwStage(r *http.Request, api map[string]any) (any, *apiError) {
	for _, s := range asList(api["stages"]) {
		if m, ok := s.(map[string]any); ok && m["stageName"] == r.PathValue("stage") {
			return m, nil
		}
	}
	return nil, &apiError{status: http.StatusNotFound, code: "NotFoundException", msg: "Invalid Stage identifier specified"}
}

func apigwIntegration(r *http.Request, api map[string]any) (any, *apiError) {
	for _, res := range asList(api["resources"]) {
		m, ok := res.(map[string]any)
		if !ok || m["id"] != r.PathValue("resource") {
			continue
		}
		methods, _ := m["resourceMethods"].(map[string]any)
		method, _ := methods[r.PathValue("method")].(map[string]any)
		if integration, ok := method["methodIntegration"].(map[string]any); ok {
			return integration, nil
		}
	}
	return nil, &apiError{status: http.StatusNotFound, code: "NotFoundException", msg: "Invalid Integration identifier specified"}
}

// writeAPIGatewayError answers a restJson error as API Gateway does.
func writeAPIGatewayError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"message": msg})
	_, _ = w.Write(b)
}

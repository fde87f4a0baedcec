package awsapi

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Lambda GetFunctionConfiguration (restJson) over topology.json's
// AWS::Lambda::Function items.

// lambdaFunction is FunctionConfiguration: the same names read topology.json
// (case-insensitively) and write the wire.
type lambdaFunction struct {
	FunctionName     string                `json:"FunctionName,omitempty"`
	FunctionArn      string                `json:"FunctionArn,omitempty"`
	Runtime          string                `json:"Runtime,omitempty"`
	Role             string                `json:"Role,omitempty"`
	Handler          string                `json:"Handler,omitempty"`
	Description      string                `json:"Description,omitempty"`
	CodeSize         *int64                `json:"CodeSize,omitempty"`
	CodeSha256       string                `json:"CodeSha256,omitempty"`
	Timeout          *int                  `json:"Timeout,omitempty"`
	MemorySize       *int                  `json:"MemorySize,omitempty"`
	LastModified     string                `json:"LastModified,omitempty"`
	Version          string                `json:"Version,omitempty"`
	RevisionID       string                `json:"RevisionId,omitempty"`
	State            string                `json:"State,omitempty"`
	StateReason      string                `json:"StateReason,omitempty"`
	LastUpdateStatus string                `json:"LastUpdateStatus,omitempty"`
	PackageType      string                `json:"PackageType,omitempty"`
	Architectures    []string              `json:"Architectures,omitempty"`
	KMSKeyArn        string                `json:"KMSKeyArn,omitempty"`
	VpcConfig        *lambdaVpcConfig      `json:"VpcConfig,omitempty"`
	Environment      *lambdaEnvironment    `json:"Environment,omitempty"`
	Layers           []lambdaLayer         `json:"Layers,omitempty"`
	LoggingConfig    *lambdaLoggingConfig  `json:"LoggingConfig,omitempty"`
	DeadLetterConfig *lambdaDeadLetter     `json:"DeadLetterConfig,omitempty"`
	TracingConfig    *lambdaTracingConfig  `json:"TracingConfig,omitempty"`
	EphemeralStorage *lambdaEphemeralStore `json:"EphemeralStorage,omitempty"`
}

type lambdaVpcConfig struct {
	SubnetIDs        []string `json:"SubnetIds,omitempty"`
	SecurityGroupIDs []string `json:"SecurityGroupIds,omitempty"`
	VpcID            string   `json:"VpcId,omitempty"`
}

type lambdaEnvironment struct {
	Variables map[string]string `json:"Variables,omitempty"`
}

type lambdaLayer struct {
	Arn      string `json:"Arn,omitempty"`
	CodeSize *int64 `json:"CodeSize,omitempty"`
}

type lambdaLoggingConfig struct {
	LogFormat           string `json:"LogFormat,omitempty"`
	ApplicationLogLevel string `json:"ApplicationLogLevel,omitempty"`
	SystemLogLevel      string `json:"SystemLogLevel,omitempty"`
	LogGroup            string `json:"LogGroup,omitempty"`
}

type lambdaDeadLetter struct {
	TargetArn string `json:"TargetArn,omitempty"`
}

type lambdaTracingConfig struct {
	Mode string `json:"Mode,omitempty"`
}

type lambdaEphemeralStore struct {
	Size *int `json:"Size,omitempty"`
}

func (inv *inventory) lambdaHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2015-03-31/functions/{name}/configuration", inv.getFunctionConfiguration)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeLambdaError(w, http.StatusNotFound, "UnknownOperationException", "sandbox lambda does not serve "+r.Method+" "+r.URL.Path)
	})
	return mux
}

func (inv *inventory) getFunctionConfiguration(w http.ResponseWriter, r *http.Request) {
	if !inv.a.begin(w, r, "lambda:GetFunctionConfiguration", writeLambdaError) {
		return
	}
	region := inv.a.requestRegion(r)
	name := lambdaFunctionName(r.PathValue("name"))
	if name == "" {
		writeLambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "FunctionName is required.")
		return
	}
	fns, err := inv.lambdaFunctions(region)
	if err != nil {
		writeLambdaError(w, http.StatusInternalServerError, "ServiceException", "sandbox scenario: "+err.Error())
		return
	}
	for _, fn := range fns {
		if fn.FunctionName != name {
			continue
		}
		b, err := json.Marshal(fn)
		if err != nil {
			writeLambdaError(w, http.StatusInternalServerError, "ServiceException", "encode response: "+err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Requestid", newUUID())
		_, _ = w.Write(b)
		return
	}
	writeLambdaError(w, http.StatusNotFound, "ResourceNotFoundException",
		"Function not found: "+inv.arn("lambda", region, "function:"+name))
}

// lambdaFunctionName takes the function's name out of any form the API
// accepts: name, name:qualifier, account:function:name, or a full ARN.
// The scenario holds one configuration per function, which serves every
// qualifier.
func lambdaFunctionName(ref string) string {
	if res := arnResource(ref); res != "" {
		ref = strings.TrimPrefix(res, "function:")
	} else if _, after, ok := strings.Cut(ref, ":function:"); ok {
		ref = after
	}
	name, _, _ := strings.Cut(ref, ":")
	return name
}

// lambdaFunctions returns the functions of region as the API shows them.
func (inv *inventory) lambdaFunctions(region string) ([]lambdaFunction, error) {
	var out []lambdaFunction
	for _, it := range inv.ofType("AWS::Lambda::Function", region) {
		var fn lambdaFunction
		if err := decodeConfiguration(it, &fn); err != nil {
			return nil, err
		}
		fn.FunctionName = orDefault(fn.FunctionName, lambdaFunctionName(it.ID))
		fn.FunctionArn = orDefault(fn.FunctionArn, it.ARN)
		fn.Role = orDefault(fn.Role, firstOf(relatedARNs(it, "AWS::IAM::Role")))
		fn.KMSKeyArn = orDefault(fn.KMSKeyArn, firstOf(relatedARNs(it, "AWS::KMS::Key")))
		sgs, subnets := relatedIDs(it, "AWS::EC2::SecurityGroup"), relatedIDs(it, "AWS::EC2::Subnet")
		if len(sgs)+len(subnets) > 0 {
			if fn.VpcConfig == nil {
				fn.VpcConfig = &lambdaVpcConfig{}
			}
			fn.VpcConfig.SecurityGroupIDs = appendMissing(fn.VpcConfig.SecurityGroupIDs, sgs...)
			fn.VpcConfig.SubnetIDs = appendMissing(fn.VpcConfig.SubnetIDs, subnets...)
		}
		for _, layer := range relatedARNs(it, "AWS::Lambda::LayerVersion") {
			if !fn.hasLayer(layer) {
				fn.Layers = append(fn.Layers, lambdaLayer{Arn: layer})
			}
		}
		out = append(out, fn)
	}
	return out, nil
}

func (fn *lambdaFunction) hasLayer(arn string) bool {
	for _, l := range fn.Layers {
		if l.Arn == arn {
			return true
		}
	}
	return false
}

// writeLambdaError answers a restJson error: the code in X-Amzn-ErrorType, as
// Lambda sends it, and a body the SDK reads the message from.
func writeLambdaError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	kind := "User"
	if status >= 500 {
		kind = "Service"
	}
	b, _ := json.Marshal(map[string]string{"Type": kind, "Message": msg})
	_, _ = w.Write(b)
}

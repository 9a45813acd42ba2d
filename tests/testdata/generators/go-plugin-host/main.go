// go-plugin-host launches a plugin executable with hashicorp/go-plugin's own client, the library
// Grafana uses to run backend plugins, and talks to it with grpc-go: the health check, one raw
// pluginv2 call whose request bytes come from a file, an unknown method, then Kill (the
// GRPCController/Shutdown call and the 2 s grace period). It prints one JSON object.
//
// Built in GOPATH mode against Debian's packages (golang-github-hashicorp-go-plugin-dev,
// golang-google-grpc-dev), because the machines that run the tests have no module proxy:
//   GO111MODULE=off GOPATH=/usr/share/gocode go build -o go-plugin-host .
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"io/ioutil"
	"os"
	"os/exec"
	"strings"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// rawCodec sends and receives message bytes as they are: the test encodes and decodes them.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error)      { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error { *(v.(*[]byte)) = append([]byte(nil), data...); return nil }
func (rawCodec) Name() string                               { return "proto" }

type result struct {
	Protocol      string   `json:"protocol"`
	Health        string   `json:"health"`
	Response      string   `json:"response"`
	CallError     string   `json:"callError"`
	Unimplemented string   `json:"unimplemented"`
	KillSeconds   float64  `json:"killSeconds"`
	Exited        bool     `json:"exited"`
	Logs          []string `json:"logs"`
	Error         string   `json:"error"`
}

func main() {
	executable := flag.String("plugin", "", "plugin executable")
	method := flag.String("method", "/pluginv2.Diagnostics/CollectMetrics", "full method of the raw call")
	requestFile := flag.String("request", "", "file with the request message bytes")
	flag.Parse()

	var logs bytes.Buffer
	logger := hclog.New(&hclog.LoggerOptions{Name: "plugin-host", Output: &logs, Level: hclog.Trace, JSONFormat: true})
	out := result{}
	defer func() {
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			if line != "" {
				out.Logs = append(out.Logs, line)
			}
		}
		_ = json.NewEncoder(os.Stdout).Encode(out)
	}()

	client := plugin.NewClient(&plugin.ClientConfig{
		// Grafana's handshake (grafana-plugin-sdk-go backend/grpcplugin/handshake.go).
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  2,
			MagicCookieKey:   "grafana_plugin_type",
			MagicCookieValue: "datasource",
		},
		Plugins:          map[string]plugin.Plugin{},
		Cmd:              exec.Command(*executable),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logger,
	})
	rpc, err := client.Client()
	if err != nil {
		out.Error = "start: " + err.Error()
		client.Kill()
		return
	}
	out.Protocol = string(client.Protocol())
	conn := rpc.(*plugin.GRPCClient).Conn
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	health, err := grpc_health_v1.NewHealthClient(conn).Check(ctx, &grpc_health_v1.HealthCheckRequest{Service: "plugin"})
	if err != nil {
		out.Error = "health: " + err.Error()
	} else {
		out.Health = health.Status.String()
	}

	request := []byte{}
	if *requestFile != "" {
		if request, err = ioutil.ReadFile(*requestFile); err != nil {
			out.Error = "request: " + err.Error()
			return
		}
	}
	var response []byte
	if err := conn.Invoke(ctx, *method, &request, &response, grpc.ForceCodec(rawCodec{})); err != nil {
		out.CallError = err.Error()
	} else {
		out.Response = base64.StdEncoding.EncodeToString(response)
	}

	var none []byte
	empty := []byte{}
	err = conn.Invoke(ctx, "/pluginv2.Stream/RunStream", &empty, &none, grpc.ForceCodec(rawCodec{}))
	out.Unimplemented = status.Code(err).String()

	start := time.Now()
	client.Kill()
	out.KillSeconds = time.Since(start).Seconds()
	out.Exited = client.Exited()
}

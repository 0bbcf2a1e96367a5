// Reads JSON objects, one per line, on stdin; for each, decodes it as the Go add-on
// manager's dynamic informer does (k8s.io/apimachinery util/json.Unmarshal into a map, as
// unstructured.UnstructuredJSONScheme's decodeToUnstructured) and prints the result of the
// real addon-framework v1.3.0 utils.GetSpecHash: "ok <hash>" or "err <message>", one line per
// input line. With -bytes it prints the hashed JSON instead of the hash (for debugging).
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"open-cluster-management.io/addon-framework/pkg/utils"
)

func main() {
	showBytes := len(os.Args) > 1 && os.Args[1] == "-bytes"
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for {
		line, err := in.ReadString('\n')
		line = strings.TrimSuffix(line, "\n")
		if line != "" {
			fmt.Fprintln(out, hashLine(line, showBytes))
		}
		if err != nil {
			return
		}
	}
}

func hashLine(line string, showBytes bool) string {
	m := make(map[string]interface{})
	if err := utiljson.Unmarshal([]byte(line), &m); err != nil {
		return "err decode: " + oneLine(err)
	}
	obj := &unstructured.Unstructured{Object: m}
	hash, err := utils.GetSpecHash(obj)
	if err != nil {
		return "err hash: " + oneLine(err)
	}
	if showBytes {
		// Only for reading differences: what GetSpecHash marshals (checked against its hash).
		cfg := map[string]interface{}{}
		for k, v := range m {
			switch k {
			case "apiVersion", "kind", "metadata", "status":
			default:
				cfg[k] = v
			}
		}
		b, _ := json.Marshal(cfg)
		if fmt.Sprintf("%x", sha256.Sum256(b)) != hash {
			return "err bytes do not match the hash"
		}
		return "ok " + string(b)
	}
	return "ok " + hash
}

func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

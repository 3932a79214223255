// vmlift-vcsim: VMware's vSphere simulator (govmomi's simulator package) as a test peer for vmlift.
//
// Debian ships the simulator library without the vcsim command, so this is our own small main. It listens
// on loopback only, prints "URL <sdk url>" when ready, and exits when its stdin closes, so a test JVM that
// dies takes the simulator with it.
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// refuse answers the given power methods for the given VMs with a NoPermission fault naming the privilege, as
// vCenter does for a user without it (VirtualMachine.Interact.PowerOff or .PowerOn). It works on the wire,
// since wrapping the simulator's VM object breaks its property collection.
func refuse(next http.Handler, methods string, privilege string, morefs map[string]bool) http.Handler {
	call := regexp.MustCompile(`(?s)<(?:\w+:)?(` + methods + `)\b.*?>\s*([^<\s]+)\s*</(?:\w+:)?_this>`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || len(morefs) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		body, _ := ioutil.ReadAll(r.Body)
		r.Body = ioutil.NopCloser(bytes.NewReader(body))
		if m := call.FindSubmatch(body); m != nil && morefs[string(m[2])] {
			log.Printf("refused %s of %s", m[1], m[2])
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Permission to perform this operation was denied.</faultstring><detail><NoPermissionFault xmlns="urn:vim25" xsi:type="NoPermission"><object type="VirtualMachine">%s</object><privilegeId>%s</privilegeId></NoPermissionFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`, m[2], privilege)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// morefsOf maps comma-separated VM names to their managed object ids; an unknown name stops the simulator.
func morefsOf(names string) map[string]bool {
	morefs := map[string]bool{}
	for _, name := range strings.Split(names, ",") {
		if name == "" {
			continue
		}
		found := false
		for _, entity := range simulator.Map.All("VirtualMachine") {
			if vm, ok := entity.(*simulator.VirtualMachine); ok && vm.Name == name {
				morefs[vm.Self.Value] = true
				found = true
			}
		}
		if !found {
			log.Fatalf("no VM named %s", name)
		}
	}
	return morefs
}

// changedAreas answers QueryChangedDiskAreas, which the simulator lacks, from a JSON file the test writes:
// {"window": bytes per answer, "disks": {"vm-63/204": {"capacity": n, "areas": [[start, length], ...]}}}.
// Each answer covers one window from the asked offset, as vSphere's DiskChangeInfo does.
type changeSet struct {
	Window int64 `json:"window"`
	Disks  map[string]struct {
		Capacity int64      `json:"capacity"`
		Areas    [][2]int64 `json:"areas"`
	} `json:"disks"`
}

func changedAreas(next http.Handler, file string) http.Handler {
	call := regexp.MustCompile(`(?s)<(?:\w+:)?QueryChangedDiskAreas\b.*?<(?:\w+:)?_this[^>]*>\s*([^<\s]+)\s*<.*?<(?:\w+:)?deviceKey>(\d+)<.*?<(?:\w+:)?startOffset>(\d+)<`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || file == "" {
			next.ServeHTTP(w, r)
			return
		}
		body, _ := ioutil.ReadAll(r.Body)
		r.Body = ioutil.NopCloser(bytes.NewReader(body))
		m := call.FindSubmatch(body)
		if m == nil {
			next.ServeHTTP(w, r)
			return
		}
		var set changeSet
		raw, err := ioutil.ReadFile(file)
		if err == nil {
			err = json.Unmarshal(raw, &set)
		}
		disk, ok := set.Disks[string(m[1])+"/"+string(m[2])]
		if err != nil || !ok {
			log.Printf("no change set for %s/%s: %v", m[1], m[2], err)
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>no change set</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
			return
		}
		start, _ := strconv.ParseInt(string(m[3]), 10, 64)
		length := disk.Capacity - start
		if set.Window > 0 && length > set.Window {
			length = set.Window
		}
		log.Printf("changed areas of %s/%s from %d: window %d", m[1], m[2], start, length)
		var out strings.Builder
		for _, area := range disk.Areas {
			from, to := area[0], area[0]+area[1]
			if from < start {
				from = start
			}
			if to > start+length {
				to = start + length
			}
			if from < to {
				fmt.Fprintf(&out, "<changedArea><start>%d</start><length>%d</length></changedArea>", from, to-from)
			}
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><QueryChangedDiskAreasResponse xmlns="urn:vim25"><returnval><startOffset>%d</startOffset><length>%d</length>%s</returnval></QueryChangedDiskAreasResponse></soapenv:Body></soapenv:Envelope>`, start, length, out.String())
	})
}

// cutWriter passes the real bytes through until its budget is spent, then drops the connection mid-body.
type cutWriter struct {
	http.ResponseWriter
	budget int
}

func (c *cutWriter) Write(b []byte) (int, error) {
	if len(b) > c.budget {
		_, _ = c.ResponseWriter.Write(b[:c.budget])
		if f, ok := c.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	c.budget -= len(b)
	return c.ResponseWriter.Write(b)
}

// cutEveryNth drops every nth datastore download after its first 64 KiB of real data, as a broken
// connection would.
func cutEveryNth(next http.Handler, n int64) http.Handler {
	var count int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || n <= 0 || !strings.HasPrefix(r.URL.Path, "/folder/") {
			next.ServeHTTP(w, r)
			return
		}
		seen := atomic.AddInt64(&count, 1)
		if seen%n != 0 {
			next.ServeHTTP(w, r)
			return
		}
		log.Printf("cut download %d: %s %s", seen, r.Header.Get("Range"), r.URL.Path)
		next.ServeHTTP(&cutWriter{ResponseWriter: w, budget: 64 * 1024}, r)
	})
}

func main() {
	model := simulator.VPX()
	flag.IntVar(&model.Datacenter, "dc", 1, "datacenters")
	flag.IntVar(&model.Cluster, "cluster", 1, "clusters per datacenter")
	flag.IntVar(&model.ClusterHost, "cluster-host", 3, "hosts per cluster")
	flag.IntVar(&model.Host, "host", 1, "standalone hosts per datacenter")
	flag.IntVar(&model.Machine, "vm", 2, "VMs per host and per cluster")
	flag.IntVar(&model.Datastore, "ds", 1, "datastores")
	flag.IntVar(&model.Portgroup, "pg", 1, "distributed portgroups")
	user := flag.String("user", "user", "the one user name that may log in")
	password := flag.String("password-file", "", "file holding the one password that may log in (default: pass)")
	certOut := flag.String("cert-out", "", "write the server certificate (PEM) here")
	refuseOff := flag.String("refuse-power-off", "", "comma-separated VM names whose power-off is refused")
	refuseOn := flag.String("refuse-power-on", "", "comma-separated VM names whose power-on is refused")
	cut := flag.Int64("cut-every", 0, "abort every nth datastore download halfway (0: never)")
	changes := flag.String("changed-areas", "", "answer QueryChangedDiskAreas from this JSON file")
	flag.Parse()

	// yavijava speaks API 6.0 and rejects ServiceContent fields added later.
	sc := &model.ServiceContent
	sc.VStorageObjectManager, sc.HostSpecManager, sc.CryptoManager, sc.HealthUpdateManager = nil, nil, nil, nil
	sc.FailoverClusterConfigurator, sc.FailoverClusterManager, sc.TenantManager = nil, nil, nil
	sc.SiteInfoManager, sc.StorageQueryManager, sc.GuestCustomizationManager = nil, nil, nil

	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()

	pass := "pass"
	if *password != "" {
		b, err := ioutil.ReadFile(*password)
		if err != nil {
			log.Fatal(err)
		}
		pass = strings.TrimRight(string(b), "\r\n")
	}
	// CBT: every flat disk gets a change id, which snapshots copy into their configuration.
	for _, entity := range simulator.Map.All("VirtualMachine") {
		if vm, ok := entity.(*simulator.VirtualMachine); ok {
			for _, device := range vm.Config.Hardware.Device {
				if disk, ok := device.(*types.VirtualDisk); ok {
					if backing, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok {
						backing.ChangeId = fmt.Sprintf("52 00 00 00 00 00 00 %02x-00 00 00 00 00 00 00 %02x/1", disk.Key%256, len(vm.Name))
					}
				}
			}
		}
	}

	model.Service.Listen = &url.URL{Host: "127.0.0.1:0", User: url.UserPassword(*user, pass)}
	model.Service.TLS = new(tls.Config)
	server := model.Service.NewServer()
	defer server.Close()
	handler := refuse(cutEveryNth(model.Service.ServeMux, *cut), "PowerOffVM_Task|ShutdownGuest",
		"VirtualMachine.Interact.PowerOff", morefsOf(*refuseOff))
	handler = refuse(handler, "PowerOnVM_Task", "VirtualMachine.Interact.PowerOn", morefsOf(*refuseOn))
	server.Config.Handler = changedAreas(handler, *changes)

	if *certOut != "" {
		block := &pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw}
		if err := ioutil.WriteFile(*certOut, pem.EncodeToMemory(block), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	u := *server.URL
	u.User = nil
	fmt.Printf("URL %s\n", u.String())

	// Serve until stdin closes.
	reader := bufio.NewReader(os.Stdin)
	for {
		if _, err := reader.ReadString('\n'); err != nil {
			return
		}
	}
}

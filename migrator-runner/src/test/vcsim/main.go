// vmlift-vcsim: VMware's vSphere simulator (govmomi's simulator package) as a test peer for vmlift.
//
// Debian ships the simulator library without the vcsim command, so this is our own small main. It listens
// on loopback only, prints "URL <sdk url>" when ready, and exits when its stdin closes, so a test JVM that
// dies takes the simulator with it.
package main

import (
	"bufio"
	"crypto/tls"
	"encoding/pem"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// refusingVM fails every power-off request, as a VM locked by another task or a missing privilege would.
type refusingVM struct {
	*simulator.VirtualMachine
}

func (vm *refusingVM) PowerOffVMTask(ctx *simulator.Context, req *types.PowerOffVM_Task) soap.HasFault {
	task := simulator.CreateTask(req.This, "powerOff", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		return nil, &types.NoPermission{Object: req.This, PrivilegeId: "VirtualMachine.Interact.PowerOff"}
	})
	return &methods.PowerOffVM_TaskBody{Res: &types.PowerOffVM_TaskResponse{Returnval: task.Run()}}
}

func (vm *refusingVM) ShutdownGuest(ctx *simulator.Context, req *types.ShutdownGuest) soap.HasFault {
	return &methods.ShutdownGuestBody{Fault_: simulator.Fault("", &types.NoPermission{Object: req.This,
		PrivilegeId: "VirtualMachine.Interact.PowerOff"})}
}

// cutEveryNth aborts every nth datastore download halfway, as a dropped connection would.
func cutEveryNth(next http.Handler, n int64) http.Handler {
	var count int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || n <= 0 || atomic.AddInt64(&count, 1)%n != 0 {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Length", "1048576")
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write(make([]byte, 4096))
		panic(http.ErrAbortHandler)
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
	refuse := flag.String("refuse-power-off", "", "comma-separated VM names whose power-off is refused")
	cut := flag.Int64("cut-every", 0, "abort every nth datastore download halfway (0: never)")
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
	for _, name := range strings.Split(*refuse, ",") {
		if name == "" {
			continue
		}
		found := false
		for _, entity := range simulator.Map.All("VirtualMachine") {
			if vm, ok := entity.(*simulator.VirtualMachine); ok && vm.Name == name {
				simulator.Map.Put(&refusingVM{vm})
				found = true
			}
		}
		if !found {
			log.Fatalf("no VM named %s", name)
		}
	}

	model.Service.Listen = &url.URL{Host: "127.0.0.1:0", User: url.UserPassword(*user, pass)}
	model.Service.TLS = new(tls.Config)
	if *cut > 0 {
		model.Service.ServeMux = http.NewServeMux()
	}
	server := model.Service.NewServer()
	defer server.Close()
	if *cut > 0 {
		server.Config.Handler = cutEveryNth(model.Service.ServeMux, *cut)
	}

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

// govmomi-inventory: the reference reader of the benchmark "vmlift inventory -o json vs govmomi reader"
// (bench/vsphere-inventory.sh). It reads the vSphere inventory with govmomi, VMware's Go library, the way govc
// does: log in, create one ContainerView over the root folder, read every object in it with the property
// collector (RetrievePropertiesEx, continued while the server pages) and write the objects as a JSON array to
// stdout as they arrive. It asks for the same objects and property paths as vmlift's inventory
// (source/vsphere/InventoryCollector.java), so both read the same data; it converts nothing.
//
// Usage: USER and password in VMLIFT_BENCH_USER and VMLIFT_BENCH_PASSWORD (never on the command line);
//
//	govmomi-inventory https://HOST/sdk ca.pem > inventory.json
//
// Built from Debian's golang-github-vmware-govmomi-dev in GOPATH mode:
//
//	GO111MODULE=off GOPATH="$dir/gopath:/usr/share/gocode" GOCACHE="$dir/gocache" go build -o "$dir/govmomi-inventory" main.go
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"reflect"

	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// The objects and properties vmlift reads (InventoryCollector.collect and VM_PROPERTIES), type by type.
// DistributedVirtualPortgroup is a Network, so the view holds it; the property collector merges both specs.
var specs = []types.PropertySpec{
	{Type: "VirtualMachine", PathSet: []string{"name", "parent", "config.uuid", "config.guestId",
		"config.firmware", "config.template", "config.hardware.numCPU", "config.hardware.numCoresPerSocket",
		"config.hardware.memoryMB", "config.hardware.device", "config.changeTrackingEnabled", "runtime.powerState",
		"runtime.host", "snapshot", "guest.toolsRunningStatus"}},
	{Type: "HostSystem", PathSet: []string{"name", "parent"}},
	{Type: "ComputeResource", PathSet: []string{"name", "parent"}},
	{Type: "Datacenter", PathSet: []string{"name", "parent"}},
	{Type: "Folder", PathSet: []string{"name", "parent"}},
	{Type: "Network", PathSet: []string{"name", "parent"}},
	{Type: "DistributedVirtualPortgroup", PathSet: []string{"name", "parent", "key", "config.defaultPortConfig"}},
	{Type: "Datastore", PathSet: []string{"name", "parent", "summary.capacity", "summary.freeSpace"}},
}

// The container view's types, as vmlift creates it.
var viewTypes = []string{"VirtualMachine", "HostSystem", "ComputeResource", "Datacenter", "Folder", "Network",
	"Datastore"}

// Objects per page asked of the server, as vmlift asks.
const page = 1000

// object is one managed object as written: its type, id and properties by path.
type object struct {
	Type       string                 `json:"type"`
	ID         string                 `json:"id"`
	Properties map[string]interface{} `json:"properties"`
}

// typed is a virtual device with its vSphere type (VirtualDisk, VirtualVmxnet3, ...), which JSON would lose.
type typed struct {
	Type   string      `json:"_typeName"`
	Device interface{} `json:"device"`
}

func main() {
	if len(os.Args) != 3 || os.Getenv("VMLIFT_BENCH_USER") == "" {
		fmt.Fprintln(os.Stderr, "usage: VMLIFT_BENCH_USER=... VMLIFT_BENCH_PASSWORD=... govmomi-inventory https://HOST/sdk ca.pem")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "govmomi-inventory:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, sdk string, caFile string) error {
	u, err := soap.ParseURL(sdk)
	if err != nil {
		return err
	}
	sc := soap.NewClient(u, false) // verifies the server's certificate against caFile only
	if err := sc.SetRootCAs(caFile); err != nil {
		return err
	}
	c, err := vim25.NewClient(ctx, sc)
	if err != nil {
		return err
	}
	sm := session.NewManager(c)
	user := url.UserPassword(os.Getenv("VMLIFT_BENCH_USER"), os.Getenv("VMLIFT_BENCH_PASSWORD"))
	if err := sm.Login(ctx, user); err != nil {
		return err
	}
	defer sm.Logout(ctx)

	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, viewTypes, true)
	if err != nil {
		return err
	}
	defer v.Destroy(ctx)

	req := types.RetrievePropertiesEx{
		This: c.ServiceContent.PropertyCollector,
		SpecSet: []types.PropertyFilterSpec{{
			ObjectSet: []types.ObjectSpec{{Obj: v.Reference(), Skip: types.NewBool(true),
				SelectSet: []types.BaseSelectionSpec{v.TraversalSpec()}}},
			PropSet: specs,
		}},
		Options: types.RetrieveOptions{MaxObjects: page},
	}
	res, err := methods.RetrievePropertiesEx(ctx, c, &req)
	if err != nil {
		return err
	}

	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	enc := json.NewEncoder(out)
	counts := map[string]int{}
	n := 0
	out.WriteString("[")
	for result := res.Returnval; result != nil; {
		for _, o := range result.Objects {
			if n > 0 {
				out.WriteString(",")
			}
			n++
			counts[o.Obj.Type]++
			if err := enc.Encode(convert(o)); err != nil {
				return err
			}
		}
		if result.Token == "" {
			break
		}
		next, err := methods.ContinueRetrievePropertiesEx(ctx, c, &types.ContinueRetrievePropertiesEx{
			This: req.This, Token: result.Token})
		if err != nil {
			return err
		}
		result = &next.Returnval
	}
	out.WriteString("]\n")
	if err := out.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "govmomi-inventory: objects by type:", counts)
	return nil
}

func convert(o types.ObjectContent) object {
	props := make(map[string]interface{}, len(o.PropSet))
	for _, p := range o.PropSet {
		if devices, ok := p.Val.(types.ArrayOfVirtualDevice); ok {
			list := make([]typed, len(devices.VirtualDevice))
			for i, d := range devices.VirtualDevice {
				list[i] = typed{reflect.TypeOf(d).Elem().Name(), d}
			}
			props[p.Name] = list
		} else {
			props[p.Name] = p.Val
		}
	}
	return object{o.Obj.Type, o.Obj.Value, props}
}

package lang

import (
	"sort"
	"strings"
	"unicode"
)

// bssNames are the display names of the BSS codes people meet most — cloud service types,
// resource types and regions — in both languages. BSS answers in the language it is asked in
// (Chinese for this bot), so an English reply takes its names from here; a code not listed is
// shown as the code in English, and as BSS named it in Chinese.
var bssNames = map[string]msg{
	// Cloud service types (cloud_service_type).
	"hws.service.type.ec2":   {"弹性云服务器", "Elastic Cloud Server"},
	"hws.service.type.ebs":   {"云硬盘", "Elastic Volume Service"},
	"hws.service.type.vpc":   {"虚拟私有云", "Virtual Private Cloud"},
	"hws.service.type.eip":   {"弹性公网IP", "Elastic IP"},
	"hws.service.type.rds":   {"云数据库 RDS", "Relational Database Service"},
	"hws.service.type.obs":   {"对象存储服务", "Object Storage Service"},
	"hws.service.type.dcs":   {"分布式缓存服务", "Distributed Cache Service"},
	"hws.service.type.elb":   {"弹性负载均衡", "Elastic Load Balance"},
	"hws.service.type.cce":   {"云容器引擎", "Cloud Container Engine"},
	"hws.service.type.dds":   {"文档数据库服务", "Document Database Service"},
	"hws.service.type.sfs":   {"弹性文件服务", "Scalable File Service"},
	"hws.service.type.cbr":   {"云备份", "Cloud Backup and Recovery"},
	"hws.service.type.nat":   {"NAT网关", "NAT Gateway"},
	"hws.service.type.bms":   {"裸金属服务器", "Bare Metal Server"},
	"hws.service.type.waf":   {"Web应用防火墙", "Web Application Firewall"},
	"hws.service.type.dns":   {"云解析服务", "Domain Name Service"},
	"hws.service.type.cdn":   {"内容分发网络", "Content Delivery Network"},
	"hws.service.type.kafka": {"分布式消息服务Kafka版", "Distributed Message Service for Kafka"},
	// Resource types (resource_type).
	"hws.resource.type.vm":          {"云主机", "ECS VM"},
	"hws.resource.type.volume":      {"云硬盘", "EVS Disk"},
	"hws.resource.type.bandwidth":   {"带宽", "Bandwidth"},
	"hws.resource.type.ip":          {"弹性公网IP", "Elastic IP"},
	"hws.resource.type.rds.vm":      {"数据库实例", "DB Instance"},
	"hws.resource.type.obs.package": {"OBS资源包", "OBS Package"},
	"hws.resource.type.obs":         {"OBS桶", "OBS Bucket"},
	"hws.resource.type.dcs.redis":   {"Redis实例", "Redis Instance"},
	"hws.resource.type.elb":         {"负载均衡器", "Load Balancer"},
	"hws.resource.type.nat":         {"NAT网关", "NAT Gateway"},
	"hws.resource.type.sfs":         {"文件系统", "File System"},
	"hws.resource.type.cbr":         {"备份存储库", "Backup Vault"},
	// Regions.
	"cn-north-1":     {"华北-北京一", "CN North-Beijing1"},
	"cn-north-4":     {"华北-北京四", "CN North-Beijing4"},
	"cn-north-9":     {"华北-乌兰察布一", "CN North-Ulanqab1"},
	"cn-east-2":      {"华东-上海二", "CN East-Shanghai2"},
	"cn-east-3":      {"华东-上海一", "CN East-Shanghai1"},
	"cn-south-1":     {"华南-广州", "CN South-Guangzhou"},
	"cn-southwest-2": {"西南-贵阳一", "CN Southwest-Guiyang1"},
	"ap-southeast-1": {"中国-香港", "CN-Hong Kong"},
	"ap-southeast-2": {"亚太-曼谷", "AP-Bangkok"},
	"ap-southeast-3": {"亚太-新加坡", "AP-Singapore"},
}

// zhBSSNames maps each Chinese resource type name above back to its English one, for
// descriptions stored in Chinese (the expiry index, a request's preview), longest first.
var zhBSSNames = func() [][2]string {
	var out [][2]string
	for code, n := range bssNames {
		if strings.HasPrefix(code, "hws.resource.type.") {
			out = append(out, [2]string{n.zh, n.en})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i][0]) != len(out[j][0]) {
			return len(out[i][0]) > len(out[j][0])
		}
		return out[i][0] < out[j][0]
	})
	return out
}()

// BSSName is how code (a service type, resource type or region code) is called in l; given is
// the name BSS sent with it ("" when none). Chinese shows BSS's own name, the table's when BSS
// sent none; English shows the table's name, else BSS's when it has no Chinese in it, else the
// code.
func (l Lang) BSSName(code, given string) string {
	if n, ok := bssNames[code]; ok && (l == En || given == "") {
		if l == En {
			return n.en
		}
		return n.zh
	}
	if given == "" || (l == En && hasHan(given)) {
		return code
	}
	return given
}

// discountNames name BSS's optional discounts by discount_type, in English; BSS names them in
// the language it is asked in (Chinese for this bot).
var discountNames = map[int]string{
	605: "Contract business discount",
	606: "Contract business discount",
	607: "Partner discount",
}

// DiscountName is how an optional discount of type typ, which BSS called given, is shown in l:
// in English, by its type when BSS's name is Chinese.
func (l Lang) DiscountName(typ int, given string) string {
	if l != En || !hasHan(given) {
		return given
	}
	if n, ok := discountNames[typ]; ok {
		return n
	}
	return given
}

// LocalDesc turns a description stored in Chinese (see Describe) into l: in English, a known
// Chinese type name after " · " becomes its English name.
func LocalDesc(l Lang, desc string) string {
	if l != En || !hasHan(desc) {
		return desc
	}
	head, tail, ok := strings.Cut(desc, " · ")
	if !ok {
		return desc
	}
	for _, n := range zhBSSNames {
		if rest, ok := strings.CutPrefix(tail, n[0]); ok && (rest == "" || rest[0] == ' ') {
			return head + " · " + n[1] + rest
		}
	}
	return desc
}

// hasHan reports whether s holds a Chinese character.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

package bsstest

// Service and resource type codes used by the demo data (bss-api.md §3, §8).
const (
	svcECS = "hws.service.type.ec2"
	svcEVS = "hws.service.type.ebs"
	svcVPC = "hws.service.type.vpc"
	svcRDS = "hws.service.type.rds"
	svcOBS = "hws.service.type.obs"
	svcDCS = "hws.service.type.dcs"

	resVM        = "hws.resource.type.vm"
	resVolume    = "hws.resource.type.volume"
	resBandwidth = "hws.resource.type.bandwidth"
	resIP        = "hws.resource.type.ip"
	resRDS       = "hws.resource.type.rds.vm"
	resOBS       = "hws.resource.type.obs.package"
	resDCS       = "hws.resource.type.dcs.redis"
	resOBSBucket = "hws.resource.type.obs"

	measureMbps = 15
	measureGB   = 17
)

// names holds the display names of service and resource type codes, zh_CN and en_US.
var names = map[string][2]string{
	svcECS:       {"弹性云服务器", "Elastic Cloud Server"},
	svcEVS:       {"云硬盘", "Elastic Volume Service"},
	svcVPC:       {"虚拟私有云", "Virtual Private Cloud"},
	svcRDS:       {"云数据库 RDS", "Relational Database Service"},
	svcOBS:       {"对象存储服务", "Object Storage Service"},
	svcDCS:       {"分布式缓存服务", "Distributed Cache Service"},
	resVM:        {"云主机", "ECS VM"},
	resVolume:    {"云硬盘", "EVS Disk"},
	resBandwidth: {"带宽", "Bandwidth"},
	resIP:        {"弹性公网IP", "Elastic IP"},
	resRDS:       {"数据库实例", "DB Instance"},
	resOBS:       {"OBS资源包", "OBS Package"},
	resDCS:       {"Redis实例", "Redis Instance"},
	resOBSBucket: {"OBS桶", "OBS Bucket"},
}

// displayName returns the name of a code in the language of the request ("en_US" or zh_CN).
func displayName(code, stored, lang string) string {
	n, ok := names[code]
	if !ok {
		return stored
	}
	if lang == "en_US" {
		return n[1]
	}
	return n[0]
}

func zhName(code string) string { return names[code][0] }

// demoPrices is the price table of the demo and generated data sets: it covers every spec they use.
func demoPrices() []Price {
	p := func(svc, res, spec, region, monthly string, measure int, product, desc string) Price {
		return Price{ServiceTypeCode: svc, ResourceTypeCode: res, ResourceSpecCode: spec, Region: region,
			Monthly: MustMoney(monthly), SizeMeasureID: measure, ProductID: product, ProductSpecDesc: desc}
	}
	return []Price{
		p(svcECS, resVM, "s6.small.1.linux", "", "32.20", 0, "OFFI740586375358963701", "通用计算型 s6 | 1vCPUs | 1GiB | Linux"),
		p(svcECS, resVM, "s6.medium.2.linux", "", "66.40", 0, "OFFI740586375358963702", "通用计算型 s6 | 1vCPUs | 2GiB | Linux"),
		p(svcECS, resVM, "s6.large.2.linux", "", "132.80", 0, "OFFI740586375358963703", "通用计算型 s6 | 2vCPUs | 4GiB | Linux"),
		p(svcECS, resVM, "s6.large.2.linux", "cn-south-1", "128.00", 0, "OFFI740586375358963713", "通用计算型 s6 | 2vCPUs | 4GiB | Linux"),
		p(svcECS, resVM, "s6.xlarge.2.linux", "", "265.60", 0, "OFFI740586375358963704", "通用计算型 s6 | 4vCPUs | 8GiB | Linux"),
		p(svcECS, resVM, "c7.large.2.linux", "", "176.00", 0, "OFFI740586375358963705", "通用计算增强型 c7 | 2vCPUs | 4GiB | Linux"),
		p(svcECS, resVM, "c7.xlarge.4.linux", "", "452.00", 0, "OFFI740586375358963706", "通用计算增强型 c7 | 4vCPUs | 16GiB | Linux"),
		p(svcECS, resVM, "m6.large.8.linux", "", "310.50", 0, "OFFI740586375358963707", "内存优化型 m6 | 2vCPUs | 16GiB | Linux"),
		p(svcECS, resVM, "s6.large.2.win", "", "182.80", 0, "OFFI740586375358963708", "通用计算型 s6 | 2vCPUs | 4GiB | Windows"),
		p(svcEVS, resVolume, "SAS", "", "0.35", measureGB, "OFFI740586375358963721", "高IO | 按GB计费"),
		p(svcEVS, resVolume, "SSD", "", "1.00", measureGB, "OFFI740586375358963722", "超高IO | 按GB计费"),
		p(svcEVS, resVolume, "GPSSD", "", "0.50", measureGB, "OFFI740586375358963723", "通用型SSD | 按GB计费"),
		p(svcVPC, resBandwidth, "19_bgp", "", "23.00", measureMbps, "OFFI740586375358963731", "全动态BGP | 共享带宽 | 按带宽计费"),
		p(svcVPC, resIP, "5_bgp", "", "20.00", 0, "OFFI740586375358963732", "全动态BGP | 弹性公网IP"),
		p(svcRDS, resRDS, "rds.mysql.n1.large.2", "", "498.00", 0, "OFFI740586375358963741", "MySQL | 单机 | 2vCPUs | 4GiB"),
		p(svcRDS, resRDS, "rds.mysql.n1.xlarge.4.ha", "", "1296.00", 0, "OFFI740586375358963742", "MySQL | 主备 | 4vCPUs | 16GiB"),
		p(svcRDS, resRDS, "rds.pg.n1.large.2", "", "520.00", 0, "OFFI740586375358963743", "PostgreSQL | 单机 | 2vCPUs | 4GiB"),
		p(svcOBS, resOBS, "obs.standard.package.1tb", "", "99.00", 0, "OFFI740586375358963751", "标准存储包 | 1TB"),
		p(svcOBS, resOBS, "obs.standard.package.5tb", "", "450.00", 0, "OFFI740586375358963752", "标准存储包 | 5TB"),
		p(svcDCS, resDCS, "redis.ha.xu1.large.r2.2", "", "230.00", 0, "OFFI740586375358963761", "Redis 5.0 | 主备 | 2GB"),
		p(svcDCS, resDCS, "redis.single.xu1.large.4", "", "150.00", 0, "OFFI740586375358963762", "Redis 5.0 | 单机 | 4GB"),
	}
}

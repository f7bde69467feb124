package lang

import "testing"

func TestBSSNames(t *testing.T) {
	tests := []struct {
		l           Lang
		code, given string
		want        string
	}{
		{En, "hws.service.type.ec2", "弹性云服务器", "Elastic Cloud Server"},
		{Zh, "hws.service.type.ec2", "弹性云服务器", "弹性云服务器"},
		{Zh, "hws.service.type.ec2", "", "弹性云服务器"},
		{En, "cn-north-4", "华北-北京四", "CN North-Beijing4"},
		{En, "hws.resource.type.new", "新资源", "hws.resource.type.new"}, // unknown: the code
		{Zh, "hws.resource.type.new", "新资源", "新资源"},
		{En, "hws.resource.type.new", "New thing", "New thing"},
		{En, "hws.resource.type.new", "", "hws.resource.type.new"},
	}
	for _, tt := range tests {
		if got := tt.l.BSSName(tt.code, tt.given); got != tt.want {
			t.Errorf("%s.BSSName(%q, %q) = %q, want %q", tt.l, tt.code, tt.given, got, tt.want)
		}
	}
	for in, want := range map[string]string{
		"web-01 · 云主机 s6.large.2.linux": "web-01 · ECS VM s6.large.2.linux",
		"disk · 云硬盘 SSD 40GB":           "disk · EVS Disk SSD 40GB",
		"obs · OBS资源包 obs.1tb":          "obs · OBS Package obs.1tb",
		"x · 新资源":                       "x · 新资源", // unknown stays; the live paths show the code
		"云主机":                           "云主机",     // a name alone, no type
	} {
		if got := LocalDesc(En, in); got != want {
			t.Errorf("LocalDesc(En, %q) = %q, want %q", in, got, want)
		}
		if got := LocalDesc(Zh, in); got != in {
			t.Errorf("LocalDesc(Zh, %q) = %q", in, got)
		}
	}
}

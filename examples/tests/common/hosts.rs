//! Hosts for multi-host tests: network namespaces with a veth pair each onto
//! a bridge in the root namespace, made by the test and removed when dropped.
//! Where the machine does not allow network namespaces (not root, no
//! iproute2, a container without CAP_NET_ADMIN) the test fails and says so.

use std::process::Command;

/// The namespaces, the bridge and the links; removed when dropped.
pub struct Hosts {
    bridge: String,
    names: Vec<String>,
    net: String,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run `ip` (iproute2): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Hosts {
    /// The namespace of host `k`.
    pub fn namespace(&self, k: usize) -> &str {
        &self.names[k]
    }

    /// The address of host `k`.
    pub fn address(&self, k: usize) -> String {
        format!("{}.{}", self.net, k + 2)
    }

    /// `count` hosts on the /24 network `net` (`10.231.77`): the bridge is
    /// `net.1`, host `k` (from 0) is `net.(k+2)` with host name `host(k+1)`.
    pub fn make(count: usize, net: &str) -> Self {
        let tag = std::process::id() % 100_000;
        let last = net.rsplit('.').next().unwrap_or("0");
        let hosts = Hosts {
            bridge: format!("pb{last}x{tag}"),
            names: (1..=count)
                .map(|h| format!("pet_host{h}_{last}_{tag}"))
                .collect(),
            net: net.to_string(),
        };
        if let Err(e) = hosts.build() {
            panic!(
                "this test needs network namespaces (it runs `ip netns` and `ip link` as root, \
                 as CI does) and this machine refused: {e}"
            );
        }
        hosts
    }

    fn build(&self) -> Result<(), String> {
        let br = self.bridge.as_str();
        ip(&["link", "add", br, "type", "bridge"])?;
        ip(&["addr", "add", &format!("{}.1/24", self.net), "dev", br])?;
        ip(&["link", "set", br, "up"])?;
        for (k, ns) in self.names.iter().enumerate() {
            let outer = format!("{br}h{k}");
            let inner = format!("{br}n{k}");
            ip(&["netns", "add", ns])?;
            ip(&[
                "link", "add", &outer, "type", "veth", "peer", "name", &inner,
            ])?;
            ip(&["link", "set", &inner, "netns", ns])?;
            ip(&["link", "set", &outer, "master", br, "up"])?;
            let addr = format!("{}.{}/24", self.net, k + 2);
            ip(&[
                "netns", "exec", ns, "ip", "addr", "add", &addr, "dev", &inner,
            ])?;
            ip(&["netns", "exec", ns, "ip", "link", "set", &inner, "up"])?;
            ip(&["netns", "exec", ns, "ip", "link", "set", "lo", "up"])?;
        }
        Ok(())
    }

    /// The command prefix that runs a program on host `k` under host name `hostK`.
    pub fn prefix(&self, k: usize) -> Vec<String> {
        vec![
            "ip".into(),
            "netns".into(),
            "exec".into(),
            self.names[k].clone(),
            "unshare".into(),
            "--uts".into(),
            "sh".into(),
            "-c".into(),
            "hostname \"$0\" && exec \"$@\"".into(),
            format!("host{}", k + 1),
        ]
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        for (k, ns) in self.names.iter().enumerate() {
            let _ = ip(&["link", "del", &format!("{}h{k}", self.bridge)]);
            let _ = ip(&["netns", "del", ns]);
        }
        let _ = ip(&["link", "del", &self.bridge]);
    }
}

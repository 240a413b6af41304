//! A network of leaky integrate-and-fire neurons with inhibitory synapses,
//! explored over the synaptic weight w (the paper's BRIAN2 example, in Rust).
//! Stores spikes (a table), a voltage trace (with unit mV) and the mean rate
//! (Hz), then draws a spike raster and the voltage trace per w into PNG files.
//! `cargo run --release -p pet-examples --bin lif_network [STORE_URL]`

use ndarray::Array1;
use pet::prelude::*;
use pet::{Array, Table};
use plotters::prelude::*;

const N: usize = 100;

struct Net {
    spikes_t: Vec<f64>,
    spikes_i: Vec<i64>,
    trace: Vec<f64>,
}

fn simulate(w: f64, p_connect: f64, duration_ms: f64, seed: u64) -> Net {
    let (dt, tau, v_rest, v_th, v_reset, refractory) = (0.1, 10.0, -70.0, -50.0, -70.0, 2.0);
    let drive = 22.0; // mV of constant input: without inhibition the cells fire regularly
    let mut rng = pet_examples::Rng::new(seed);
    let targets: Vec<Vec<usize>> = (0..N)
        .map(|i| {
            (0..N)
                .filter(|&j| j != i && rng.uniform() < p_connect)
                .collect()
        })
        .collect();
    let mut v: Vec<f64> = (0..N).map(|_| v_rest + 20.0 * rng.uniform()).collect();
    let mut last_spike = vec![f64::NEG_INFINITY; N];
    let mut net = Net {
        spikes_t: vec![],
        spikes_i: vec![],
        trace: vec![],
    };
    let steps = (duration_ms / dt) as usize;
    for s in 0..steps {
        let t = s as f64 * dt;
        let mut fired = Vec::new();
        for i in 0..N {
            if t - last_spike[i] < refractory {
                continue;
            }
            let noise = 2.0 * (dt / tau).sqrt() * rng.normal() * 3.0;
            v[i] += dt / tau * (v_rest + drive - v[i]) + noise;
            if v[i] >= v_th {
                fired.push(i);
            }
        }
        for &i in &fired {
            v[i] = v_reset;
            last_spike[i] = t;
            net.spikes_t.push(t);
            net.spikes_i.push(i as i64);
            for &j in &targets[i] {
                v[j] -= w;
            }
        }
        net.trace.push(v[0]);
    }
    net
}

fn plot(
    path: &str,
    net_t: &[f64],
    net_i: &[i64],
    trace: &[f64],
    duration_ms: f64,
) -> anyhow::Result<()> {
    pet_examples::ensure_parent(path)?;
    let (w, h) = (1000i32, 500i32);
    let root = BitMapBackend::new(path, (w as u32, h as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let (raster, volt) = root.split_vertically(300);
    for (&t, &i) in net_t.iter().zip(net_i) {
        let x = (t / duration_ms * f64::from(w)) as i32;
        let y = (i as i32 * 3) % 300;
        raster.draw(&Rectangle::new([(x, y), (x + 1, y + 2)], BLACK.filled()))?;
    }
    let (lo, hi) = (-90.0, -45.0);
    let points: Vec<(i32, i32)> = trace
        .iter()
        .enumerate()
        .map(|(k, &v)| {
            let x = (k as f64 / trace.len() as f64 * f64::from(w)) as i32;
            let y = ((hi - v.clamp(lo, hi)) / (hi - lo) * 190.0) as i32 + 5;
            (x, y)
        })
        .collect();
    volt.draw(&PathElement::new(points, BLUE.stroke_width(1)))?;
    root.present()?;
    Ok(())
}

/// One run (a named function, so that worker processes and MPI ranks can run it).
fn run_network(run: &mut Run) -> RunResult<f64> {
    let w: f64 = run.param("synapse.w")?;
    let duration = run
        .value("duration")?
        .as_scalar()
        .and_then(|s| s.as_f64())
        .unwrap_or(500.0);
    let net = simulate(w, run.param("synapse.p")?, duration, run.param("seed")?);
    let rate = net.spikes_t.len() as f64 / N as f64 / (duration / 1000.0);
    let spikes = Table::from_columns(vec![
        (
            "t".into(),
            Array::F64(Array1::from(net.spikes_t).into_dyn()),
        ),
        (
            "neuron".into(),
            Array::I64(Array1::from(net.spikes_i).into_dyn()),
        ),
    ])?;
    run.add_result_commented("spikes", spikes, "spike times (ms) and neuron indices")?;
    run.add_result_commented(
        "v0",
        Value::with_unit(Array1::from(net.trace), "mV"),
        "membrane potential of neuron 0, dt = 0.1 ms",
    )?;
    run.add_result_commented("rate", Value::with_unit(rate, "Hz"), "mean firing rate")?;
    Ok(rate)
}

fn main() -> anyhow::Result<()> {
    pet::serve_if_worker(run_network)?;
    let url = pet_examples::store_url("sqlite://results/lif.db")?;
    let mut env = Environment::open(&url)?.mode(pet_examples::mode(Mode::Threads(2))?);
    let mut traj = env.trajectory("lif_network", "LIF network with inhibitory synapses", |t| {
        t.add_parameter(
            "synapse.w",
            0.0,
            "inhibitory weight: drop of the target's potential per spike (mV)",
        )?;
        t.add_parameter("synapse.p", 0.2, "connection probability")?;
        t.add_parameter("duration", Value::with_unit(500.0, "ms"), "simulated time")?;
        t.add_parameter("seed", 42u64, "network and noise seed")?;
        t.explore([("synapse.w", vals([0.0, 0.25, 0.5, 1.0, 2.0]))])
    })?;
    let report = env.run(&mut traj, run_network)?;
    for (i, rate) in &report.results {
        println!(
            "{} ({}): {rate:.1} Hz",
            pet::name::run_name(*i),
            traj.run_info(*i)?.summary
        );
    }
    // Plots, from the store: each result loads when touched.
    for i in 0..traj.len() {
        let run = pet::name::run_name(i);
        let w = traj
            .param_value_at("synapse.w", i)?
            .as_scalar()
            .and_then(|s| s.as_f64())
            .unwrap_or(0.0);
        let Value::Table(spikes) = traj.get(&format!("results.runs.{run}.spikes"))? else {
            continue;
        };
        let trace: ndarray::ArrayD<f64> = traj.get_as(&format!("results.runs.{run}.v0"))?;
        let (Some(Array::F64(t)), Some(Array::I64(n))) =
            (spikes.column("t"), spikes.column("neuron"))
        else {
            continue;
        };
        let path = format!("results/lif_w{w:.2}.png");
        plot(
            &path,
            t.as_slice().unwrap_or(&[]),
            n.as_slice().unwrap_or(&[]),
            trace.as_slice().unwrap_or(&[]),
            500.0,
        )?;
        println!("wrote {path}");
    }
    Ok(())
}

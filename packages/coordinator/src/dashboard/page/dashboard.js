// The dashboard page's script: follows the coordinator's read-only /dashboard namespace and draws
// what it publishes with uPlot (both inlined beside this script as the globals `io` and `uPlot`).
(() => {
  const state = { connected: 0, stage: null, status: 'connecting', privacy: null, rounds: [] };

  const byId = (id) => document.getElementById(id);
  const fixed = (value, digits) => (value === null || value === undefined ? null : Number(value.toFixed(digits)));

  /** Each chart: its series (label, colour, value of a round) and, when it has nothing to show, why. */
  const chartSpecs = [
    {
      name: 'accuracy',
      range: [0, 1],
      series: [
        { label: 'evaluation', stroke: '#2f6fdb', value: (r) => r.accuracy },
        { label: 'training', stroke: '#e07b39', value: (r) => r.trainAccuracy },
      ],
    },
    {
      name: 'loss',
      series: [
        { label: 'evaluation', stroke: '#2f6fdb', value: (r) => r.loss },
        { label: 'training', stroke: '#e07b39', value: (r) => r.trainLoss },
      ],
    },
    {
      name: 'duration',
      series: [{ label: 'seconds', stroke: '#6a4fc7', value: (r) => (r.round > 0 ? fixed(r.durationMs / 1000, 3) : null) }],
    },
    {
      name: 'bytes',
      series: [
        { label: 'received', stroke: '#1e7a3c', value: (r) => (r.bytesIn === null ? null : fixed(r.bytesIn / 1024, 1)) },
        { label: 'sent', stroke: '#b3261e', value: (r) => (r.bytesOut === null ? null : fixed(r.bytesOut / 1024, 1)) },
      ],
      unavailable: () => (state.privacy ? 'Not published under differential privacy: bytes would count who took part.' : ''),
    },
    {
      name: 'epsilon',
      series: [
        { label: 'ε spent (RDP)', stroke: '#b3261e', value: (r) => r.epsilon },
        { label: 'budget', stroke: '#5d6677', dash: [6, 4], reference: true, value: () => state.privacy?.budgetEpsilon ?? null },
      ],
      unavailable: () => (state.privacy ? '' : 'This run has no differential privacy.'),
    },
  ];

  function plotWidth(element) {
    return Math.max(280, element.clientWidth);
  }

  const charts = chartSpecs.map((spec) => {
    const section = document.querySelector(`[data-chart="${spec.name}"]`);
    const element = section.querySelector('.plot');
    const options = {
      width: plotWidth(element),
      height: 220,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, ...(spec.range ? { y: { range: spec.range } } : {}) },
      // Rounds are whole numbers: no ticks between them.
      axes: [{ label: 'round', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] }, {}],
      series: [
        { label: 'round' },
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          width: 2,
          spanGaps: true,
          dash: s.dash,
          points: { show: true, size: 5 },
        })),
      ],
    };
    const plot = new uPlot(options, [[], ...spec.series.map(() => [])], element);
    return { spec, section, element, plot };
  });

  function drawCharts() {
    const rounds = state.rounds;
    for (const chart of charts) {
      const columns = chart.spec.series.map((s) => rounds.map((r) => s.value(r) ?? null));
      chart.plot.setData([rounds.map((r) => r.round), ...columns]);
      // A round counts as a point when one of the chart's measured figures has a value (a reference line is not one).
      const points = rounds.filter((_, i) => columns.some((column, c) => !chart.spec.series[c].reference && column[i] !== null));
      chart.section.dataset.points = String(points.length);
      chart.section.querySelector('.note').textContent = chart.spec.unavailable ? chart.spec.unavailable() : '';
    }
  }

  function lastCommitted() {
    return state.rounds.length > 0 ? state.rounds[state.rounds.length - 1].round : 0;
  }

  function drawFigures() {
    const status = byId('status');
    status.dataset.status = state.status;
    status.textContent = state.status.replace('-', ' ');
    byId('connected').textContent = String(state.connected);
    const committed = lastCommitted();
    const stage = state.stage && state.stage.round > committed ? state.stage : null;
    byId('round').textContent = String(stage ? stage.round : committed);
    let stageText = '–';
    if (stage) stageText = stage.attempt > 1 ? `${stage.stage} (attempt ${stage.attempt})` : stage.stage;
    else if (state.status === 'running') stageText = committed > 0 ? 'committed' : 'waiting';
    byId('stage').textContent = stageText;
    drawPrivacy();
  }

  function drawPrivacy() {
    const { privacy } = state;
    if (!privacy) {
      byId('epsilon').textContent = 'off';
      byId('budget').textContent = 'no differential privacy';
      return;
    }
    const spent = state.rounds.map((r) => r.epsilon).filter((e) => e !== null);
    const latest = spent.length > 0 ? spent[spent.length - 1] : 0;
    byId('epsilon').textContent = `ε = ${latest.toFixed(3)}`;
    const budget = privacy.budgetEpsilon === null ? 'no budget set' : `of ${privacy.budgetEpsilon}`;
    const seeded = privacy.private ? '' : ' · seeded noise: not private';
    byId('budget').textContent = `${budget} (δ = ${privacy.delta}, ${privacy.mode} DP)${seeded}`;
  }

  function draw() {
    drawFigures();
    drawCharts();
  }

  function addRound(round) {
    const at = state.rounds.findIndex((r) => r.round >= round.round);
    if (at === -1) state.rounds.push(round);
    else if (state.rounds[at].round === round.round) state.rounds[at] = round;
    else state.rounds.splice(at, 0, round);
  }

  const socket = io('/dashboard', { transports: ['websocket'], reconnectionDelayMax: 10000 });
  socket.on('dashboard:snapshot', (snapshot) => {
    Object.assign(state, snapshot);
    draw();
  });
  socket.on('dashboard:round', (round) => {
    addRound(round);
    draw();
  });
  socket.on('dashboard:stage', (stage) => {
    state.stage = stage;
    drawFigures();
  });
  socket.on('dashboard:connected', (connected) => {
    state.connected = connected;
    drawFigures();
  });
  socket.on('dashboard:status', (status) => {
    state.status = status;
    drawFigures();
  });
  socket.on('disconnect', () => {
    if (state.status === 'running' || state.status === 'connecting') state.status = 'disconnected';
    drawFigures();
  });
  socket.on('connect_error', (error) => {
    const status = byId('status');
    status.dataset.status = 'disconnected';
    status.textContent = `cannot reach the coordinator: ${error.message}`;
  });

  window.addEventListener('resize', () => {
    for (const chart of charts) chart.plot.setSize({ width: plotWidth(chart.element), height: 220 });
  });
  draw();
})();

(async () => {
  const s = await (await fetch('/api/operator/statistics/')).json();
  document.getElementById('times').textContent =
    `Time to first response: median ${s.medianMinutesToFirstResponse ?? '<3 tickets'} min, 90th percentile ${s.percentile90MinutesToFirstResponse ?? '<3 tickets'} min`;
  const box = document.getElementById('counts');
  for (const dimension of [...new Set(s.counts.map(c => c.dimension))]) {
    const h = document.createElement('h2'); h.textContent = dimension; box.append(h);
    const table = document.createElement('table');
    for (const c of s.counts.filter(c => c.dimension === dimension)) {
      const tr = table.insertRow(); tr.insertCell().textContent = c.value; tr.insertCell().textContent = c.count;
      const bar = document.createElement('span'); bar.className = 'bar'; bar.style.width = (/^\d+$/.test(c.count) ? Math.min(30, Number(c.count)) : 1) + 'em';
      tr.insertCell().append(bar);
    }
    box.append(table);
  }
})();

if (location.search.includes('failed')) document.getElementById('failed').hidden = false;
if (location.search.includes('code')) { document.getElementById('code-needed').hidden = false; document.getElementById('password').focus(); }

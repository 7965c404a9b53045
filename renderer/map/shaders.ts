/**
 * The latent map's GLSL, kept beside scene.ts (which builds its materials from these) so the
 * scene reads as objects and layers and the shaders read as shaders: the dots' point sprites,
 * coloured by selection mark, and the thumbnails' sprites that sample the atlas's array texture.
 */

// Point sprites, not instanced quads, and no depth buffer: SwiftShader (software WebGL, used
// headless and on machines without a GPU) draws 20,000 instanced quads at ~2 fps, and points
// about 15 % faster again without depth testing.
const MARK_COLOUR = /* glsl */ `
vec3 markColour(float mark) {
  return mark > 2.5 ? vec3(1.0) : (mark > 1.5 ? vec3(0.95, 0.33, 0.29) : vec3(0.35, 0.88, 0.45));
}`;

/** dot vertex shader (GLSL 3). */
export const DOT_VERTEX = /* glsl */ `
in vec3 aColor;
in float aMark;
uniform float uSize;
uniform float uMinPixels;
uniform float uMaxPixels;
uniform float uPixelsPerUnit;
out vec3 vColor;
flat out float vMark;
void main() {
  vec4 centre = modelViewMatrix * vec4(position, 1.0);
  float depth = max(-centre.z, 1e-4);
  // Far points keep a few pixels, so a dense cloud never vanishes; marked ones are larger.
  gl_PointSize = clamp(uSize * (aMark > 0.5 ? 1.7 : 1.0) * uPixelsPerUnit / depth, uMinPixels, uMaxPixels);
  gl_Position = projectionMatrix * centre;
  vColor = aColor;
  vMark = aMark;
}`;

/** dot fragment shader (GLSL 3). */
export const DOT_FRAGMENT = /* glsl */ `
in vec3 vColor;
flat in float vMark;
out vec4 outColor;
${MARK_COLOUR}
void main() {
  vec2 d = gl_PointCoord - 0.5;
  float r2 = dot(d, d) * 4.0;
  if (r2 > 1.0) discard;
  vec3 colour = vColor * (1.0 - 0.3 * r2);
  if (vMark > 0.5 && r2 > 0.4) colour = markColour(vMark);
  outColor = vec4(colour, 1.0);
}`;

/** thumb vertex shader (GLSL 3). */
export const THUMB_VERTEX = /* glsl */ `
in vec3 aColor;
in float aSlot;
in float aMark;
uniform float uSize;
uniform float uMinPixels;
uniform float uMaxPixels;
uniform float uPixelsPerUnit;
out vec3 vColor;
flat out float vSlot;
flat out float vMark;
void main() {
  vec4 centre = modelViewMatrix * vec4(position, 1.0);
  gl_PointSize = clamp(uSize * uPixelsPerUnit / max(-centre.z, 1e-4), uMinPixels, uMaxPixels);
  gl_Position = projectionMatrix * centre;
  vColor = aColor;
  vSlot = aSlot;
  vMark = aMark;
}`;

/** thumb fragment shader (GLSL 3). */
export const THUMB_FRAGMENT = /* glsl */ `
precision highp sampler2DArray;
uniform sampler2DArray uAtlas;
in vec3 vColor;
flat in float vSlot;
flat in float vMark;
out vec4 outColor;
${MARK_COLOUR}
void main() {
  vec2 uv = gl_PointCoord;
  float border = 0.05;
  if (uv.x < border || uv.x > 1.0 - border || uv.y < border || uv.y > 1.0 - border) {
    outColor = vec4(vMark > 0.5 ? markColour(vMark) : vColor, 1.0);
  } else {
    // gl_PointCoord.y and the layer's rows both run top to bottom.
    outColor = vec4(texture(uAtlas, vec3(uv, vSlot)).rgb, 1.0);
  }
}`;
